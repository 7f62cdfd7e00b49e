using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Platform.Redaction;

/// <summary>
/// Masks secrets and PII in text and JSON: our API keys, bootstrap admin keys, bearer tokens, JWTs, values of
/// secret-named fields (password, token, api key, cookie, ...), URL passwords, email addresses and Luhn-valid
/// card numbers. Audit details and log lines both go through here, so there is one definition of a secret.
/// </summary>
/// <remarks>
/// Every mask is the same <see cref="Mask"/>: telling a reader which kind of secret was there gains little, and a
/// single token is easy to search for and cannot itself look like any secret. Nothing here throws: a redactor
/// that can fail invites callers to log the unredacted input in the catch block, so failures fail closed.
/// </remarks>
public static class Redactor
{
    public const string Mask = "[REDACTED]";

    /// <summary>Objects and arrays nested deeper than this are masked whole rather than walked.</summary>
    public const int MaxJsonDepth = 64;

    // Deeper documents still parse, so their top is kept and only the deep part masked; beyond this the
    // text rules take over.
    private const int MaxParseDepth = 1024;

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = MaxParseDepth };

    // Order matters: whole-value rules run first so that later, narrower rules see masks, not half-secrets;
    // each rule leaves nothing a later rule could mistake for a secret.
    private static readonly (Regex Pattern, MatchEvaluator Replace)[] TextRules =
    [
        (SecretPatterns.CookieHeader, m => m.Groups["name"].Value + Mask),
        (SecretPatterns.NamedSecret, MaskNamedValue),
        (SecretPatterns.UrlPassword, m => m.Groups["prefix"].Value + Mask + "@"),
        (SecretPatterns.AdminKey, _ => Mask),
        (SecretPatterns.ApiKey, _ => Mask),
        (SecretPatterns.Jwt, _ => Mask),
        (SecretPatterns.BearerToken, m => m.Groups["scheme"].Value + Mask),
        (SecretPatterns.InvitationLink, m => m.Groups["prefix"].Value + Mask),
        (SecretPatterns.Email, _ => Mask),
    ];

    /// <summary>Redacts free text such as log messages and error strings. <c>null</c> becomes empty.</summary>
    public static string RedactText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        try
        {
            foreach (var (pattern, replace) in TextRules)
            {
                text = pattern.Replace(text, replace);
            }

            var withoutCards = text;
            return SecretPatterns.DigitRun.Replace(text, run => PaymentCards.Redact(run, withoutCards));
        }
        catch (Exception)
        {
            // Fail closed: whatever went wrong, the input must not come back unredacted.
            return Mask;
        }
    }

    /// <summary>
    /// Redacts a JSON document (tool arguments or results) and returns compact JSON. Text that is not valid JSON,
    /// including <c>null</c> and truncated documents, is redacted as free text instead.
    /// </summary>
    public static string RedactJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return RedactText(json);
        }

        try
        {
            return Redact(JsonNode.Parse(json, documentOptions: ParseOptions), 0)?.ToJsonString() ?? "null";
        }
        catch (Exception)
        {
            // Not JSON, or JSON that cannot be walked (duplicate names, invalid UTF-16): the text rules still apply.
            return RedactText(json);
        }
    }

    /// <summary>Returns a redacted deep copy; the input is left as it was. A JSON <c>null</c> stays <c>null</c>.</summary>
    public static JsonNode? RedactJson(JsonNode? node)
    {
        try
        {
            return Redact(node, 0);
        }
        catch (Exception)
        {
            // A caller-built node can hold CLR values that refuse to serialize; mask rather than throw.
            return JsonValue.Create(Mask);
        }
    }

    /// <summary>
    /// Lowercase hex SHA-256 of the UTF-8 bytes of the unredacted text, so an auditor holding the original
    /// arguments can prove they match a redacted record. <c>null</c> hashes as empty.
    /// </summary>
    public static string Sha256Hex(string? utf8Text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(utf8Text ?? string.Empty)));

    // Keeps the name, separator, auth scheme and quoting, so the line stays readable and JSON-ish text stays JSON-ish.
    private static string MaskNamedValue(Match match)
    {
        var value = match.Groups["value"].Value;
        var quote = value.StartsWith("\\\"", StringComparison.Ordinal) ? "\\\""
            : value.StartsWith('"') ? "\""
            : value.StartsWith('\'') ? "'"
            : string.Empty;
        var closed = quote.Length > 0 && value.Length >= 2 * quote.Length && value.EndsWith(quote, StringComparison.Ordinal);

        return string.Concat(
            match.Groups["name"].Value,
            match.Groups["separator"].Value,
            match.Groups["scheme"].Value,
            quote + Mask + (closed ? quote : string.Empty));
    }

    private static JsonNode? Redact(JsonNode? node, int depth)
    {
        if (node is null)
        {
            return null;
        }

        if (depth >= MaxJsonDepth)
        {
            return JsonValue.Create(Mask);
        }

        return node switch
        {
            JsonObject obj => RedactObject(obj, depth),
            JsonArray array => new JsonArray([.. array.Select(item => Redact(item, depth + 1))]),
            _ => RedactValue(node.AsValue()),
        };
    }

    private static JsonObject RedactObject(JsonObject source, int depth)
    {
        var result = new JsonObject();
        foreach (var (name, value) in source)
        {
            var redactedValue = SensitiveNames.IsSensitive(name) ? JsonValue.Create(Mask) : Redact(value, depth + 1);

            // Names can be data too (a map keyed by email); masking two of them must not merge their values.
            var redactedName = RedactText(name);
            var uniqueName = redactedName;
            for (var n = 2; result.ContainsKey(uniqueName); n++)
            {
                uniqueName = $"{redactedName}#{n}";
            }

            result[uniqueName] = redactedValue;
        }

        return result;
    }

    private static JsonValue RedactValue(JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                return JsonValue.Create(RedactText(StringOf(value)));
            case JsonValueKind.Number:
                var literal = value.ToJsonString();
                return PaymentCards.IsCardNumber(literal) ? JsonValue.Create(Mask) : (JsonValue)value.DeepClone();
            default:
                return (JsonValue)value.DeepClone();
        }
    }

    // A JsonValue built from a CLR value (a Guid, a DateTimeOffset) has a string kind but no string inside;
    // its JSON text is the reliable form.
    private static string? StringOf(JsonValue value) =>
        value.TryGetValue(out string? text) ? text : JsonSerializer.Deserialize<string>(value.ToJsonString());
}
