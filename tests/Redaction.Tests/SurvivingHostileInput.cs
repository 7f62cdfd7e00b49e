using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Platform.Redaction.Tests.Samples;

namespace Platform.Redaction.Tests;

public sealed class SurvivingHostileInput
{
    // Fragments that sit on the edges of the rules, so random strings often half-match several at once.
    private static readonly string[] Fragments =
    [
        "a", "Z", "0", "7", "_", "-", " ", ".", "@", ":", "=", ";", "&", "\"", "'", "\\", "\\\"", "{", "}", "[", "]",
        "\n", "\r", "\t", "é", "\u0663", "\uD800", "\0", "eyJ", "Bearer ", "bearer\t", "password", "token=", "Cookie: ",
        "mcp_", "mcp_admin_", "_live_", "://", "example.com", "4111", "1111 ", "-1111", "0.", Redactor.Mask,
    ];

    private static readonly string[] Planted = [ApiKey, AdminKey, Jwt, Email, Visa, "4111-1111-1111-1111"];

    [Fact]
    public void Random_text_never_throws_and_planted_secrets_never_survive()
    {
        var random = new Random(20240601);
        for (var i = 0; i < 3000; i++)
        {
            var secret = Planted[random.Next(Planted.Length)];
            var text = $"{Noise(random)} {secret} {Noise(random)}";

            var redacted = Redactor.RedactText(text);
            var redactedAsJson = Redactor.RedactJson(text);

            Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, redactedAsJson, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Random_json_documents_stay_valid_json_without_their_secrets()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var secret = Planted[random.Next(Planted.Length)];
            var json = RandomNode(random, secret, depth: 0).ToJsonString();

            var redacted = Redactor.RedactJson(json);

            using var _ = JsonDocument.Parse(redacted);
            Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Huge_adversarial_text_is_redacted_in_linear_time()
    {
        var inputs = new[]
        {
            string.Concat(Enumerable.Repeat("1 ", 200_000)),
            string.Concat(Enumerable.Repeat("a.", 200_000)) + "@",
            string.Concat(Enumerable.Repeat("password=\"", 50_000)),
            string.Concat(Enumerable.Repeat("eyJa.", 100_000)),
            string.Concat(Enumerable.Repeat("mcp_live_", 50_000)),
            new string('a', 400_000) + "_bb_",
        };

        var stopwatch = Stopwatch.StartNew();
        foreach (var input in inputs)
        {
            Assert.NotNull(Redactor.RedactText(input));
        }

        // A backtracking engine takes minutes on these; the bound only catches that, not ordinary slowness.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"took {stopwatch.Elapsed}");
    }

    private static string Noise(Random random)
    {
        var builder = new StringBuilder();
        var count = random.Next(0, 40);
        for (var i = 0; i < count; i++)
        {
            builder.Append(Fragments[random.Next(Fragments.Length)]);
        }

        return builder.ToString();
    }

    private static JsonNode RandomNode(Random random, string secret, int depth)
    {
        var choice = depth > 6 ? random.Next(3) : random.Next(6);
        return choice switch
        {
            0 => JsonValue.Create($"{Noise(random)} {secret} {Noise(random)}"),
            1 => JsonValue.Create(random.NextInt64()),
            2 => JsonValue.Create(Noise(random)),
            3 => new JsonArray([.. Enumerable.Range(0, random.Next(4)).Select(_ => RandomNode(random, secret, depth + 1)), JsonValue.Create(secret)]),
            _ => RandomObject(random, secret, depth),
        };
    }

    private static JsonObject RandomObject(Random random, string secret, int depth)
    {
        var obj = new JsonObject { [$"k{depth}"] = JsonValue.Create(secret) };
        for (var i = 0; i < random.Next(4); i++)
        {
            obj[$"{Noise(random)}#{i}"] = RandomNode(random, secret, depth + 1);
        }

        return obj;
    }
}
