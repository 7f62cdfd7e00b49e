using System.Text.Json;
using Platform.ToolExecution.Mcp;

namespace Platform.ToolExecution.Tests;

public sealed class ArgumentSchemaValidatorTests
{
    private static Dictionary<string, JsonElement> Arguments(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"http://127.0.0.1:9/schema.json"}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"/etc/passwd"}}}""")]
    [InlineData("""{"type":"object","properties":{"a":{"$ref":"file:///etc/passwd#/x"}}}""")]
    public async Task A_schema_with_remote_or_file_references_is_never_followed_and_refuses_the_call(string schema)
    {
        var error = await ArgumentSchemaValidator.ValidateAsync(JsonDocument.Parse(schema).RootElement, Arguments("""{"a":1}"""));

        Assert.Equal("the tool's input schema cannot be used for validation", error);
    }

    [Fact]
    public async Task Local_references_and_nested_fields_are_checked()
    {
        var schema = JsonDocument.Parse("""
            {"type":"object","$defs":{"n":{"type":"integer"}},
             "properties":{"outer":{"type":"object","properties":{"count":{"$ref":"#/$defs/n"}},"required":["count"]}}}
            """).RootElement;

        var valid = await ArgumentSchemaValidator.ValidateAsync(schema, Arguments("""{"outer":{"count":3}}"""));
        var invalid = await ArgumentSchemaValidator.ValidateAsync(schema, Arguments("""{"outer":{"count":"three"}}"""));

        Assert.Null(valid);
        Assert.Contains("count", invalid, StringComparison.Ordinal);
    }
}
