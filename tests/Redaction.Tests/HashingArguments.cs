namespace Platform.Redaction.Tests;

public sealed class HashingArguments
{
    [Theory]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("é", "4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")]
    public void Hash_is_lowercase_hex_sha256_of_the_utf8_text(string text, string expected) =>
        Assert.Equal(expected, Redactor.Sha256Hex(text));

    [Fact]
    public void Null_hashes_as_empty() =>
        Assert.Equal(Redactor.Sha256Hex(string.Empty), Redactor.Sha256Hex(null));

    [Fact]
    public void Hash_is_of_the_unredacted_arguments()
    {
        const string arguments = """{"password":"hunter2"}""";

        Assert.NotEqual(Redactor.Sha256Hex(Redactor.RedactJson(arguments)), Redactor.Sha256Hex(arguments));
    }
}
