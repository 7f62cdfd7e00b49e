using static Platform.Redaction.Tests.Samples;

namespace Platform.Redaction.Tests;

public sealed class RedactingText
{
    private const string M = Redactor.Mask;

    public static TheoryData<string, string> SecretsAndTheirRedactions => new()
    {
        // Our API keys, wherever they sit and whatever their prefix; a bad checksum is still a key to hide.
        { $"issued {ApiKey} to tenant", $"issued {M} to tenant" },
        { $"({ApiKey})", $"({M})" },
        { $"\"{ApiKey}\"", $"\"{M}\"" },
        { $"key={ApiKeyWithBadChecksum}", $"key={M}" },
        { $"x-key {OtherPrefixKey}", $"x-key {M}" },
        { $"{ApiKey}\n{ApiKey}", $"{M}\n{M}" },

        // Bootstrap admin keys.
        { $"bootstrap key is {AdminKey}.", $"bootstrap key is {M}." },
        { "mcp_admin_AAAAAAAAAAAAAAAAAAAA", M },

        // Bearer tokens, any case, with or without a header name.
        { "Authorization: Bearer abc.def-ghi", $"Authorization: Bearer {M}" },
        { "sent bearer abc123== upstream", $"sent bearer {M} upstream" },
        { "BEARER xyz", $"BEARER {M}" },
        { $"Bearer {Jwt}", $"Bearer {M}" },

        // Invitation links: the request log prints the URL, whose last segment is the single-use secret.
        { "Request starting HTTP/1.1 GET http://auth/account/invitations/Zm9vYmFyYmF6cXV4MDEyMzQ1Njc4OWFiY2RlZmdoaWo - -",
            $"Request starting HTTP/1.1 GET http://auth/account/invitations/{M} - -" },

        // JWTs and JWEs on their own.
        { $"got {Jwt} back", $"got {M} back" },
        { $"jwe {Jwe} end", $"jwe {M} end" },

        // Secret-named values in connection strings, query strings, headers and JSON that did not parse.
        { "Host=db;Username=app;Password=s3cr3t;Database=x", $"Host=db;Username=app;Password={M};Database=x" },
        { "Server=db;Pwd=hunter2", $"Server=db;Pwd={M}" },
        { "GET /cb?access_token=abc&page=2", $"GET /cb?access_token={M}&page=2" },
        { "client_secret='abc def'", $"client_secret='{M}'" },
        { "Authorization: Basic dXNlcjpwYXNz", $"Authorization: Basic {M}" },
        { "{\"password\": \"hunter2\", \"user\": \"bob\"", $"{{\"password\": \"{M}\", \"user\": \"bob\"" },
        { "{\"secret\": \"unterminated", $"{{\"secret\": \"{M}" },
        { "{\\\"apiKey\\\":\\\"abc123\\\"}", $"{{\\\"apiKey\\\":\\\"{M}\\\"}}" },
        { "X-Api-Key: k-123", $"X-Api-Key: {M}" },
        { "private_key=-----BEGIN", $"private_key={M}" },
        { "Cookie: session=abc; theme=dark", $"Cookie: {M}" },
        { "Set-Cookie: sid=abc; HttpOnly\nnext line", $"Set-Cookie: {M}\nnext line" },

        // Passwords inside URLs.
        { "postgres://app:s3cret@db:5432/platform", $"postgres://app:{M}@db:5432/platform" },
        { "redis://:pw@cache.example.com:6379", $"redis://:{M}@cache.example.com:6379" },

        // Email addresses.
        { $"contact {Email} now", $"contact {M} now" },
        { "<bob@example.com>", $"<{M}>" },

        // Luhn-valid card numbers of 13 to 19 digits, plain or grouped with single spaces or dashes.
        { $"card {Visa} exp", $"card {M} exp" },
        { "card 4111 1111 1111 1111 exp", $"card {M} exp" },
        { "5555-5555-5555-4444", M },
        { "amex 3782 822463 10005", $"amex {M}" },
        { "13 digits 4222222222222", $"13 digits {M}" },
        { "19 digits 6221260000000000001", $"19 digits {M}" },
        { "4111 1111 1111 1111 123 items", $"{M} 123 items" },
        { "price 3.5 4111111111111111", $"price 3.5 {M}" },
    };

    public static TheoryData<string> TextThatIsNotSecret => new()
    {
        "4111111111111112",
        "4111 1111 1111 1112",
        "1700000000000",
        "20240115103000",
        "9876543210987654",
        "1234567890123456789",
        "12345678901234567890123",
        "order 12345 shipped in 3 boxes",
        "2024-01-15T10:20:30.1234567Z",
        "2024-01-15 10:20:30",
        "550e8400-e29b-41d4-a716-446655440000",
        "ratio 0.4111111111111111",
        "+1 415-555-2671",
        "call github.search_issues with 3 results",
        "tool fs.read_file finished",
        "The password policy was updated",
        "the token bucket refilled",
        "Bearer",
        "mcp_admin_short",
        "mcp_live_short_abc",
        "eyJhbGciOiJIUzI1NiJ9",
        "user at example dot com",
        "mail@localhost",
        "version 1.2.3",
        "",
    };

    [Theory]
    [MemberData(nameof(SecretsAndTheirRedactions))]
    public void Secret_is_masked_and_the_surrounding_text_kept(string input, string expected) =>
        Assert.Equal(expected, Redactor.RedactText(input));

    [Theory]
    [MemberData(nameof(TextThatIsNotSecret))]
    public void Ordinary_text_passes_unchanged(string input) =>
        Assert.Equal(input, Redactor.RedactText(input));

    [Theory]
    [MemberData(nameof(SecretsAndTheirRedactions))]
    public void Already_redacted_text_is_left_as_it_is(string input, string expected)
    {
        Assert.NotEqual(input, expected);
        Assert.Equal(expected, Redactor.RedactText(expected));
    }

    [Fact]
    public void Null_text_becomes_empty() => Assert.Equal(string.Empty, Redactor.RedactText(null));

    [Fact]
    public void Freshly_issued_keys_of_any_prefix_are_masked()
    {
        foreach (var (prefix, environment) in new[] { ("mcp", "live"), ("acme", "test"), ("x1", "dev") })
        {
            var key = Credentials.ApiKeys.ApiKeyFormat.Generate(prefix, environment).Plaintext;

            Assert.Equal($"key: {M}", Redactor.RedactText($"key: {key}"));
        }
    }
}
