using System.Security.Cryptography;
using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class ConfiguringPeppers
{
    private static readonly string GoodPepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_pepper_shorter_than_32_bytes_is_refused_without_echoing_it()
    {
        var shortPepper = Convert.ToBase64String(RandomNumberGenerator.GetBytes(31));

        var error = Assert.Throws<ArgumentException>(
            () => new PepperSet(new Dictionary<string, string> { ["v1"] = shortPepper }, "v1"));

        Assert.Contains("v1", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortPepper, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pepper_that_is_not_base64_is_refused_without_echoing_it()
    {
        const string notBase64 = "this-is-my-secret-pepper-value-not-base64!!";

        var error = Assert.Throws<ArgumentException>(
            () => new PepperSet(new Dictionary<string, string> { ["v1"] = notBase64 }, "v1"));

        Assert.DoesNotContain(notBase64, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_current_version_without_a_pepper_is_refused()
    {
        Assert.Throws<ArgumentException>(
            () => new PepperSet(new Dictionary<string, string> { ["v1"] = GoodPepper }, "v2"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("v 1")]
    [InlineData("v1/2")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")]
    public void A_malformed_version_name_is_refused(string version)
    {
        Assert.Throws<ArgumentException>(
            () => new PepperSet(new Dictionary<string, string> { [version] = GoodPepper }, version));
    }

    [Fact]
    public void The_pepper_set_prints_its_versions_but_no_pepper()
    {
        var other = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
        var peppers = new PepperSet(new Dictionary<string, string> { ["2025-01"] = GoodPepper, ["2026-01"] = other }, "2026-01");

        var text = $"{peppers} {new SecretHasher(peppers)}";

        Assert.Contains("2025-01", text, StringComparison.Ordinal);
        Assert.Contains("2026-01", text, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodPepper, text, StringComparison.Ordinal);
        Assert.DoesNotContain(other, text, StringComparison.Ordinal);
    }
}
