using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class GeneratingApiKeys
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    [Fact]
    public void Generated_key_parses_back_to_its_parts()
    {
        var issued = ApiKeyFormat.Generate("mcp", "live");

        Assert.True(ApiKeyFormat.TryParse(issued.Plaintext, out var parsed));
        Assert.Equal("mcp", parsed.Prefix);
        Assert.Equal("live", parsed.Environment);
        Assert.Equal(issued.KeyId, parsed.KeyId);
        Assert.Equal(issued.Secret, parsed.Secret);
    }

    [Fact]
    public void Generated_key_has_the_documented_layout()
    {
        var issued = ApiKeyFormat.Generate("acme2", "test");

        Assert.StartsWith($"acme2_test_{issued.KeyId}_{issued.Secret}", issued.Plaintext, StringComparison.Ordinal);
        Assert.Equal("acme2_test_".Length + 16 + 1 + 32 + 6, issued.Plaintext.Length);
        Assert.Matches(ApiKeyFormat.ScannerPattern, issued.Plaintext);
    }

    [Fact]
    public void Secret_carries_at_least_160_bits_of_base62()
    {
        var issued = ApiKeyFormat.Generate("mcp", "live");

        Assert.All(issued.Secret, c => Assert.Contains(c, Base62));
        Assert.True(issued.Secret.Length * Math.Log2(62) >= 160, $"only {issued.Secret.Length} characters");
    }

    [Fact]
    public void Key_ids_and_secrets_do_not_repeat()
    {
        var keys = Enumerable.Range(0, 1000).Select(_ => ApiKeyFormat.Generate("mcp", "live")).ToList();

        Assert.Equal(keys.Count, keys.Select(k => k.KeyId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(keys.Count, keys.Select(k => k.Secret).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_base62_character_is_about_equally_likely_in_secrets()
    {
        // 128,000 draws: each character expects ~2,065 ± 45. A byte % 62 draw would give the first
        // eight characters ~25% more, far outside the 12% (5.5 sigma) band.
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < 4000; i++)
        {
            foreach (var c in ApiKeyFormat.Generate("mcp", "live").Secret)
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        var expected = 4000.0 * 32 / 62;
        Assert.Equal(62, counts.Count);
        Assert.All(counts, pair => Assert.InRange(pair.Value, expected * 0.88, expected * 1.12));
    }

    [Theory]
    [InlineData("m", "live")]
    [InlineData("Mcp", "live")]
    [InlineData("1mcp", "live")]
    [InlineData("mcp_x", "live")]
    [InlineData("abcdefghijklmnopq", "live")]
    [InlineData("mcp", "l")]
    [InlineData("mcp", "Live")]
    [InlineData("mcp", "live1")]
    [InlineData("mcp", "abcdefghijk")]
    [InlineData("", "live")]
    public void Generating_with_a_malformed_prefix_or_environment_is_refused(string prefix, string environment)
    {
        Assert.Throws<ArgumentException>(() => ApiKeyFormat.Generate(prefix, environment));
    }

    [Theory]
    [InlineData("mc", "li")]
    [InlineData("abcdefghijklmnop", "abcdefghij")]
    [InlineData("a1", "test")]
    public void Prefixes_and_environments_at_the_length_limits_are_accepted(string prefix, string environment)
    {
        var issued = ApiKeyFormat.Generate(prefix, environment);

        Assert.True(ApiKeyFormat.TryParse(issued.Plaintext, out var parsed));
        Assert.Equal(prefix, parsed.Prefix);
        Assert.Equal(environment, parsed.Environment);
    }
}
