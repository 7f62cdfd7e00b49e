using System.Text.Json;
using System.Text.Json.Nodes;
using static Platform.Redaction.Tests.Samples;

namespace Platform.Redaction.Tests;

public sealed class RedactingJson
{
    private const string M = Redactor.Mask;

    public static TheoryData<string> SecretNames =>
    [
        "password", "Password", "db_passwd", "userPassword", "secret", "client_secret", "CLIENT-SECRET", "token",
        "refreshToken", "access_token", "apikey", "apiKey", "api_key", "API-KEY", "x-api-key", "authorization",
        "Authorization", "credentials", "private_key", "privateKey", "cookie", "Set-Cookie",
    ];

    public static TheoryData<string> ValuesOfEveryType =>
    [
        "\"hunter2\"", "12345", "true", "null", "[1,\"a\"]", "{\"nested\":\"value\"}",
    ];

    public static TheoryData<string> OrdinaryNames => ["user", "tool", "name", "keyId", "count", "description", "path"];

    [Theory]
    [MemberData(nameof(SecretNames))]
    public void Secret_named_property_is_masked(string name) =>
        Assert.Equal(
            $$"""{"{{name}}":"{{M}}","user":"bob"}""",
            Redactor.RedactJson($$"""{"{{name}}":"hunter2","user":"bob"}"""));

    [Theory]
    [MemberData(nameof(ValuesOfEveryType))]
    public void Secret_named_property_is_masked_whatever_its_type(string value) =>
        Assert.Equal($$"""{"password":"{{M}}"}""", Redactor.RedactJson($$"""{"password":{{value}}}"""));

    [Theory]
    [MemberData(nameof(OrdinaryNames))]
    public void Ordinary_property_keeps_its_value(string name)
    {
        var json = $$"""{"{{name}}":"hunter2","n":1700000000000,"ok":true,"none":null,"list":[1,2]}""";

        Assert.Equal(json, Redactor.RedactJson(json));
    }

    [Fact]
    public void Secrets_inside_string_values_are_masked_by_the_text_rules() =>
        Assert.Equal(
            $$"""{"note":"use Bearer {{M}}","to":"{{M}}","key":"{{M}}","jwt":"{{M}}","card":"{{M}}"}""",
            Redactor.RedactJson(
                $$"""{"note":"use Bearer abc","to":"{{Email}}","key":"{{ApiKey}}","jwt":"{{Jwt}}","card":"{{Visa}}"}"""));

    [Fact]
    public void Nested_objects_and_arrays_are_walked() =>
        Assert.Equal(
            $$$"""{"a":{"b":[{"token":"{{{M}}}"},{"email":"{{{M}}}"},["{{{M}}}",7]]}}""",
            Redactor.RedactJson($$$"""{"a":{"b":[{"token":1},{"email":"bob@example.com"},["{{{AdminKey}}}",7]]}}"""));

    [Fact]
    public void Card_number_written_as_a_json_number_is_masked() =>
        Assert.Equal(
            $$"""{"n":"{{M}}","id":4111111111111112,"at":1700000000000,"price":0.4111111111111111}""",
            Redactor.RedactJson("""{"n":4111111111111111,"id":4111111111111112,"at":1700000000000,"price":0.4111111111111111}"""));

    [Fact]
    public void Double_encoded_json_inside_a_string_is_redacted()
    {
        var inner = JsonSerializer.Serialize(new { password = "hunter2" });
        var redacted = Redactor.RedactJson(JsonSerializer.Serialize(new { body = inner }));

        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
        Assert.Contains(M, redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Property_names_that_are_data_are_masked_without_losing_values() =>
        Assert.Equal(
            $$"""{"{{M}}":1,"{{M}}#2":2}""",
            Redactor.RedactJson("""{"alice@example.com":1,"bob@example.com":2}"""));

    [Fact]
    public void Nesting_beyond_the_depth_cap_is_masked_whole()
    {
        const int depth = 100;
        var json = new string('[', depth) + "\"deep bob@example.com\"" + new string(']', depth);

        var redacted = Redactor.RedactJson(json);

        Assert.Equal(new string('[', Redactor.MaxJsonDepth) + $"\"{M}\"" + new string(']', Redactor.MaxJsonDepth), redacted);
    }

    [Fact]
    public void Nesting_too_deep_to_parse_falls_back_to_the_text_rules()
    {
        const int depth = 5000;
        var json = new string('[', depth) + "{\"password\":\"hunter2\"}" + new string(']', depth);

        var redacted = Redactor.RedactJson(json);

        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
        Assert.Contains($"\"password\":\"{M}\"", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"password\": \"hunter2\"", "{\"password\": \"" + M + "\"")]
    [InlineData("not json, mail bob@example.com", "not json, mail " + M)]
    [InlineData("{'token': 'abc'}", "{'token': '" + M + "'}")]
    [InlineData("", "")]
    [InlineData("null", "null")]
    [InlineData("\"bob@example.com\"", "\"" + M + "\"")]
    public void Invalid_or_bare_json_is_still_redacted(string input, string expected) =>
        Assert.Equal(expected, Redactor.RedactJson(input));

    [Fact]
    public void Null_json_text_becomes_empty() => Assert.Equal(string.Empty, Redactor.RedactJson((string?)null));

    [Fact]
    public void Duplicate_property_names_do_not_leak()
    {
        var redacted = Redactor.RedactJson("""{"a":1,"a":"bob@example.com","password":"x","password":"hunter2"}""");

        Assert.DoesNotContain("bob@example.com", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redacted_json_is_valid_json()
    {
        var redacted = Redactor.RedactJson($$$"""{"a":["{{{ApiKey}}}",{"secret":{"x":[1,2]}}],"b":"é \"quoted\" <tag>"}""");

        using var document = JsonDocument.Parse(redacted);
        Assert.Equal("é \"quoted\" <tag>", document.RootElement.GetProperty("b").GetString());
    }

    [Fact]
    public void Node_is_copied_and_the_original_left_unredacted()
    {
        var original = new JsonObject { ["password"] = "hunter2", ["list"] = new JsonArray("bob@example.com") };

        var redacted = Redactor.RedactJson(original);

        Assert.NotSame(original, redacted);
        Assert.Equal($$"""{"password":"{{M}}","list":["{{M}}"]}""", redacted!.ToJsonString());
        Assert.Equal("""{"password":"hunter2","list":["bob@example.com"]}""", original.ToJsonString());
    }

    [Fact]
    public void Null_node_stays_null() => Assert.Null(Redactor.RedactJson((JsonNode?)null));

    [Fact]
    public void Node_built_from_clr_values_is_redacted()
    {
        var id = Guid.Parse("550e8400-e29b-41d4-a716-446655440000");
        var node = new JsonObject { ["id"] = id, ["to"] = "bob@example.com", ["n"] = 4111111111111111L };

        var redacted = Redactor.RedactJson(node);

        Assert.Equal($$"""{"id":"{{id}}","to":"{{M}}","n":"{{M}}"}""", redacted!.ToJsonString());
    }
}
