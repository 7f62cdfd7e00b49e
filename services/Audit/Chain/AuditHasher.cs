using System.Buffers;
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
            entry.Action, entry.Target, entry.Outcome, entry.Details, entry.TraceId, prevHash, "", entry.Actor.PersonId, entry.Actor.ClientId);
        return unlinked with { Hash = ComputeHash(unlinked) };
    }

    public static string ComputeHash(AuditRecord record)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(PrevHashAndCanonicalJson(record), hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>
    /// Whether <see cref="AuditRecord.Hash"/> is the hash of the record's content, compared as the lower-case hex text
    /// (exactly as <c>ComputeHash(record) == record.Hash</c>), without allocating: verify and export run it per record.
    /// </summary>
    public static bool HashMatches(AuditRecord record)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(PrevHashAndCanonicalJson(record), hash);
        Span<char> hex = stackalloc char[SHA256.HashSizeInBytes * 2];
        return Convert.TryToHexStringLower(hash, hex, out _) && hex.SequenceEqual(record.Hash);
    }

    /// <summary>
    /// UTF-8 JSON, no whitespace, keys in ordinal order, nulls written as null, <c>at</c> as UTC ISO 8601 with
    /// six fractional digits and a Z, <c>seq</c> as a number. <c>hash</c> itself is not part of it. <c>clientId</c> and
    /// <c>personId</c> appear only when set, so every record written before they existed keeps its hash.
    /// </summary>
    public static byte[] CanonicalJson(AuditRecord r) => PrevHashAndCanonicalJson(r)[Encoding.ASCII.GetByteCount(r.PrevHash)..].ToArray();

    // One buffer and writer per thread, reused: hashing is synchronous, so nothing else can use them meanwhile.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    private static readonly JsonWriterOptions CanonicalOptions = new()
    {
        Indented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>prevHash (ASCII) ‖ canonical JSON, in the calling thread's buffer: valid until its next call.</summary>
    private static ReadOnlySpan<byte> PrevHashAndCanonicalJson(AuditRecord r)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        buffer.Advance(Encoding.ASCII.GetBytes(r.PrevHash, buffer.GetSpan(Encoding.ASCII.GetMaxByteCount(r.PrevHash.Length))));
        var json = t_json ??= new Utf8JsonWriter(buffer, CanonicalOptions);
        json.Reset(buffer);

        Span<char> at = stackalloc char[32];
        if (!r.At.UtcDateTime.TryFormat(at, out var atLength, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture))
        {
            throw new FormatException("The record's time does not fit the canonical form.");
        }

        Span<char> eventId = stackalloc char[36];
        r.EventId.TryFormat(eventId, out _, "D");

        json.WriteStartObject();
        json.WriteString("action"u8, r.Action);
        json.WriteString("at"u8, at[..atLength]);
        if (r.ClientId is not null)
        {
            json.WriteString("clientId"u8, r.ClientId);
        }

        json.WriteString("clientIp"u8, r.ClientIp);
        json.WriteString("details"u8, r.Details);
        json.WriteString("eventId"u8, eventId);
        json.WriteString("keyId"u8, r.KeyId);
        json.WriteString("outcome"u8, r.Outcome);
        if (r.PersonId is not null)
        {
            json.WriteString("personId"u8, r.PersonId);
        }

        json.WriteString("prevHash"u8, r.PrevHash);
        json.WriteNumber("seq"u8, r.Seq);
        json.WriteString("target"u8, r.Target);
        json.WriteString("tenantId"u8, r.TenantId);
        json.WriteString("traceId"u8, r.TraceId);
        json.WriteEndObject();
        json.Flush();
        return buffer.WrittenSpan;
    }
}
