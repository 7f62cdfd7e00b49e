using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class ParsingApiKeys
{
    // Checksum computed independently (zlib CRC32 of the text before it, base62, width 6), so this pins the format.
    private const string KnownKey = "mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn";

    private const string MutationAlphabet =
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-. /+=\0é";

    [Fact]
    public void Key_with_an_independently_computed_checksum_parses()
    {
        Assert.True(ApiKeyFormat.TryParse(KnownKey, out var parsed));
        Assert.Equal(new ParsedApiKey("mcp", "live", "0123456789ABCDEF", "abcdefghijklmnopqrstuvwxyzABCDEF"), parsed);
    }

    [Fact]
    public void Key_with_a_flipped_character_fails_the_checksum()
    {
        var flipped = KnownKey.Replace("abc", "abd", StringComparison.Ordinal);

        Assert.False(ApiKeyFormat.TryParse(flipped, out var parsed));
        Assert.Equal(default, parsed);
    }

    [Fact]
    public void Every_single_character_substitution_is_rejected()
    {
        var key = ApiKeyFormat.Generate("mcp", "live").Plaintext;
        var accepted = new List<string>();

        for (var i = 0; i < key.Length; i++)
        {
            foreach (var replacement in MutationAlphabet)
            {
                if (replacement == key[i])
                {
                    continue;
                }

                var mutated = string.Concat(key.AsSpan(0, i), [replacement], key.AsSpan(i + 1));
                if (ApiKeyFormat.TryParse(mutated, out _))
                {
                    accepted.Add(mutated);
                }
            }
        }

        Assert.Empty(accepted);
    }

    [Fact]
    public void Every_single_character_deletion_or_insertion_is_rejected()
    {
        var key = KnownKey;

        for (var i = 0; i < key.Length; i++)
        {
            Assert.False(ApiKeyFormat.TryParse(key.Remove(i, 1), out _), $"deleting index {i}");
            Assert.False(ApiKeyFormat.TryParse(key.Insert(i, "a"), out _), $"inserting at index {i}");
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("mcp")]
    [InlineData("mcp_live_0123456789ABCDEF")]
    [InlineData("mcp_live_0123456789ABCDE_Fabcdefghijklmnopqrstuvwxyz0ABCDEF0k5tZn")]
    [InlineData("mcp__live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn")]
    [InlineData("Bearer mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn")]
    [InlineData(" mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn")]
    [InlineData("mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn ")]
    [InlineData("mcp_live_0123456789ABCDEF_abcdefghijklmnopqrstuvwxyzABCDEF0k5tZn\n")]
    public void Malformed_candidates_are_rejected(string? candidate)
    {
        Assert.False(ApiKeyFormat.TryParse(candidate, out _));
    }

    [Fact]
    public void Candidates_longer_than_128_characters_are_rejected()
    {
        Assert.False(ApiKeyFormat.TryParse(new string('a', 129), out _));
        Assert.False(ApiKeyFormat.TryParse(KnownKey + new string('x', 129 - KnownKey.Length), out _));
    }

    [Fact]
    public void Key_with_fullwidth_digits_is_rejected()
    {
        // char.IsDigit accepts these; base62 must not, or the CRC would be taken over non-ASCII text.
        var withFullwidth = KnownKey.Replace("0123", "０１２３", StringComparison.Ordinal);

        Assert.False(ApiKeyFormat.TryParse(withFullwidth, out _));
    }
}
