using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platform.Audit.Chain;

/// <summary>
/// The canonical form and hash of an audit record. Pure and deterministic: the online verifier, the offline
/// verifier and the writer all call this one function.
/// </summary>
public static class AuditHasher
{
    public static readonly string GenesisHash = new('0', 64);

    public static AuditRecord Link(long seq, string prevHash, AuditEntry entry)
    {
        // PostgreSQL keeps microseconds; truncating first means a record read back hashes the same.
        var at = entry.At.ToUniversalTime();
        at = at.AddTicks(-(at.Ticks % 10));
        var unlinked = new AuditRecord(seq, at, entry.EventId, entry.Actor.TenantId, entry.Actor.KeyId, entry.Actor.ClientIp,
            entry.Action, entry.Target, entry.Outcome, entry.Details, entry.TraceId, prevHash, "");
        return unlinked with { Hash = ComputeHash(unlinked) };
    }

    public static string ComputeHash(AuditRecord record)
    {
        var canonical = CanonicalJson(record);
        var prev = Encoding.ASCII.GetBytes(record.PrevHash);
        var buffer = new byte[prev.Length + canonical.Length];
        prev.CopyTo(buffer, 0);
        canonical.CopyTo(buffer, prev.Length);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>
    /// UTF-8 JSON, no whitespace, keys in ordinal order, nulls written as null, <c>at</c> as UTC ISO 8601 with
    /// six fractional digits and a Z, <c>seq</c> as a number. <c>hash</c> itself is not part of it.
    /// </summary>
    public static byte[] CanonicalJson(AuditRecord r)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("action", r.Action);
            json.WriteString("at", r.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            json.WriteString("clientIp", r.ClientIp);
            json.WriteString("details", r.Details);
            json.WriteString("eventId", r.EventId.ToString("D"));
            json.WriteString("keyId", r.KeyId);
            json.WriteString("outcome", r.Outcome);
            json.WriteString("prevHash", r.PrevHash);
            json.WriteNumber("seq", r.Seq);
            json.WriteString("target", r.Target);
            json.WriteString("tenantId", r.TenantId);
            json.WriteString("traceId", r.TraceId);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
