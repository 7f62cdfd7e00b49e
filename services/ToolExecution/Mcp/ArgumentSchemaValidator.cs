using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using NJsonSchema;
using NJsonSchema.Validation;

namespace Platform.ToolExecution.Mcp;

/// <summary>
/// Checks a call's arguments against the tool's input schema before the tool runs, so a tool (built-in or upstream)
/// only ever sees arguments of the shape it declared, and the caller learns which field is wrong.
/// </summary>
internal static partial class ArgumentSchemaValidator
{
    // Keyed by the schema text, not the tool name, so an upstream that changes a tool's schema gets the new one.
    // Schemas come from registered tools, never from callers, so the cache is bounded by the tool set.
    private static readonly ConcurrentDictionary<string, Lazy<Task<JsonSchema>>> Schemas = new(StringComparer.Ordinal);

    /// <summary>Returns null when the arguments are valid, otherwise a message naming the offending fields.</summary>
    public static async Task<string?> ValidateAsync(JsonElement inputSchema, IDictionary<string, JsonElement>? arguments)
    {
        var schemaText = inputSchema.GetRawText();
        JsonSchema schema;
        try
        {
            schema = await Schemas.GetOrAdd(schemaText, text => new Lazy<Task<JsonSchema>>(() =>
                JsonSchema.FromJsonAsync(text, documentPath: null, s => new LocalReferencesOnly(s)))).Value;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Fail closed: a tool whose schema cannot be checked does not run.
            return "the tool's input schema cannot be used for validation";
        }

        var json = JsonSerializer.Serialize(arguments ?? new Dictionary<string, JsonElement>());

        ICollection<ValidationError> errors;
        try
        {
            errors = schema.Validate(json);
        }
        catch (Newtonsoft.Json.JsonException)
        {
            return "arguments could not be read (too deeply nested?)";
        }

        return errors.Count == 0
            ? null
            : string.Join("; ", errors.Take(5).Select(Describe));
    }

    private static string Describe(ValidationError error)
    {
        var path = error.Path?.TrimStart('#', '/').Replace('/', '.');
        var field = string.IsNullOrEmpty(path) ? error.Property : path;
        var problem = KindWords().Replace(error.Kind.ToString(), " $1").Trim().ToLowerInvariant();
        return string.IsNullOrEmpty(field) ? problem : $"'{field}': {problem}";
    }

    /// <summary>
    /// Schemas come from upstream servers too; NJsonSchema would otherwise fetch a remote or file <c>$ref</c>, an SSRF
    /// and file-read path outside every guard.
    /// </summary>
    private sealed class LocalReferencesOnly(JsonSchema schema) : JsonReferenceResolver(new JsonSchemaAppender(schema, new DefaultTypeNameGenerator()))
    {
        public override Task<NJsonSchema.References.IJsonReference> ResolveFileReferenceAsync(string filePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("file references in tool schemas are not followed");

        public override Task<NJsonSchema.References.IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("remote references in tool schemas are not followed");
    }

    [GeneratedRegex("(?<=[a-z])([A-Z])")]
    private static partial Regex KindWords();
}
