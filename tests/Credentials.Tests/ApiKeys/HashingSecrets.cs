using System.Security.Cryptography;
using Platform.Credentials.ApiKeys;

namespace Platform.Credentials.Tests.ApiKeys;

public sealed class HashingSecrets
{
    // bytes 0..31, and its HMAC-SHA256 over Secret, both computed outside .NET.
    private const string KnownPepper = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string Secret = "abcdefghijklmnopqrstuvwxyzABCDEF";
    private const string KnownHash = "XZI8EyJR8Aw/dVj44yjoF6kcdej9k7FKU02tn3jroEE=";

    private static string NewPepper() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private static SecretHasher Hasher(string currentVersion, params (string Version, string Pepper)[] peppers) =>
        new(new PepperSet(peppers.ToDictionary(p => p.Version, p => p.Pepper), currentVersion));

    [Fact]
    public void Hash_is_hmac_sha256_of_the_secret_under_the_current_pepper()
    {
        var hasher = Hasher("v1", ("v1", KnownPepper));

        Assert.Equal(new HashedSecret("v1", KnownHash), hasher.Hash(Secret));
    }

    [Fact]
    public void The_right_secret_verifies()
    {
        var hasher = Hasher("v1", ("v1", NewPepper()));

        Assert.True(hasher.Verify(Secret, hasher.Hash(Secret)));
    }

    [Fact]
    public void A_secret_one_character_off_does_not_verify()
    {
        var hasher = Hasher("v1", ("v1", NewPepper()));
        var stored = hasher.Hash(Secret);

        Assert.False(hasher.Verify(Secret[..^1] + "G", stored));
        Assert.False(hasher.Verify(string.Empty, stored));
    }

    [Fact]
    public void The_same_secret_under_another_pepper_hashes_differently()
    {
        var first = Hasher("v1", ("v1", NewPepper())).Hash(Secret);
        var second = Hasher("v1", ("v1", NewPepper())).Hash(Secret);

        Assert.NotEqual(first.Hash, second.Hash);
    }

    [Fact]
    public void A_hash_made_under_an_unknown_pepper_version_does_not_verify()
    {
        var pepper = NewPepper();
        var stored = Hasher("v1", ("v1", pepper)).Hash(Secret);
        var relabelled = stored with { PepperVersion = "v9" };

        Assert.False(Hasher("v1", ("v1", pepper)).Verify(Secret, relabelled));
    }

    [Fact]
    public void A_hash_checked_against_the_wrong_pepper_does_not_verify()
    {
        var stored = Hasher("v1", ("v1", NewPepper())).Hash(Secret);

        Assert.False(Hasher("v1", ("v1", NewPepper())).Verify(Secret, stored));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("XZI8EyJR8Aw/dVj44yjoF6kcdej9k7FKU02tn3jroEEA")]
    public void A_malformed_stored_hash_does_not_verify(string storedHash)
    {
        var hasher = Hasher("v1", ("v1", KnownPepper));

        Assert.False(hasher.Verify(Secret, new HashedSecret("v1", storedHash)));
    }

    [Fact]
    public void After_rotation_old_hashes_verify_and_ask_to_be_rehashed()
    {
        var oldPepper = NewPepper();
        var before = Hasher("v1", ("v1", oldPepper));
        var stored = before.Hash(Secret);
        Assert.False(before.NeedsRehash(stored));

        var after = Hasher("v2", ("v1", oldPepper), ("v2", NewPepper()));

        Assert.True(after.Verify(Secret, stored));
        Assert.True(after.NeedsRehash(stored));
        var rehashed = after.Hash(Secret);
        Assert.Equal("v2", rehashed.PepperVersion);
        Assert.False(after.NeedsRehash(rehashed));
        Assert.True(after.Verify(Secret, rehashed));
    }

    [Fact]
    public void Once_a_pepper_is_retired_its_hashes_no_longer_verify()
    {
        var oldPepper = NewPepper();
        var newPepper = NewPepper();
        var stored = Hasher("v1", ("v1", oldPepper)).Hash(Secret);

        var retired = Hasher("v2", ("v2", newPepper));

        Assert.False(retired.Verify(Secret, stored));
    }
}
