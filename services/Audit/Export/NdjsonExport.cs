using System.Text.Json;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Export;

/// <summary>
/// The export file: one JSON object per line. The first line is the header
/// (<c>{"type":"export","complete":…,"anchorSeq":…,"anchorHash":…}</c>), then <c>"type":"record"</c> and
/// <c>"type":"checkpoint"</c> lines in seq order. docs/audit-chain.md specifies it; the offline verifier reads it.
/// </summary>
public static class NdjsonExport
{
    public const string ContentType = "application/x-ndjson";

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public sealed record Header(bool Complete, long AnchorSeq, string AnchorHash);

    public static void WriteHeader(Stream stream, Header header)
    {
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        json.WriteStartObject();
        json.WriteString("type", "export");
        json.WriteBoolean("complete", header.Complete);
        json.WriteNumber("anchorSeq", header.AnchorSeq);
        json.WriteString("anchorHash", header.AnchorHash);
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    public static void WriteItem(Stream stream, object item)
    {
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        json.WriteStartObject();
        switch (item)
        {
            case AuditRecord r:
                json.WriteString("type", "record");
                json.WriteNumber("seq", r.Seq);
                json.WriteString("at", CheckpointSignature.FormatAt(r.At));
                json.WriteString("eventId", r.EventId.ToString("D"));
                json.WriteString("tenantId", r.TenantId);
                json.WriteString("keyId", r.KeyId);
                json.WriteString("clientIp", r.ClientIp);
                json.WriteString("action", r.Action);
                json.WriteString("target", r.Target);
                json.WriteString("outcome", r.Outcome);
                json.WriteString("details", r.Details);
                json.WriteString("traceId", r.TraceId);
                json.WriteString("prevHash", r.PrevHash);
                json.WriteString("hash", r.Hash);
                break;
            case AuditCheckpoint c:
                json.WriteString("type", "checkpoint");
                json.WriteNumber("seq", c.Seq);
                json.WriteString("hash", c.Hash);
                json.WriteString("at", CheckpointSignature.FormatAt(c.At));
                json.WriteString("keyId", c.KeyId);
                json.WriteString("signature", c.Signature);
                break;
            default:
                throw new ArgumentException("Only records and checkpoints are exported.", nameof(item));
        }

        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    /// <summary>Parses one line into a <see cref="Header"/>, <see cref="AuditRecord"/> or <see cref="AuditCheckpoint"/>.</summary>
    public static object ParseLine(string line)
    {
        using var document = JsonDocument.Parse(line);
        var e = document.RootElement;
        string? S(string name) => e.TryGetProperty(name, out var p) && p.ValueKind != JsonValueKind.Null ? p.GetString() : null;
        string R(string name) => S(name) ?? throw new FormatException($"'{name}' is missing.");
        DateTimeOffset At() => DateTimeOffset.Parse(R("at"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal);
        return R("type") switch
        {
            "export" => new Header(e.GetProperty("complete").GetBoolean(), e.GetProperty("anchorSeq").GetInt64(), R("anchorHash")),
            "record" => new AuditRecord(e.GetProperty("seq").GetInt64(), At(), Guid.Parse(R("eventId")), S("tenantId"), S("keyId"), S("clientIp"),
                R("action"), R("target"), R("outcome"), S("details"), S("traceId"), R("prevHash"), R("hash")),
            "checkpoint" => new AuditCheckpoint(e.GetProperty("seq").GetInt64(), R("hash"), At(), R("keyId"), R("signature")),
            var other => throw new FormatException($"Unknown line type '{other}'."),
        };
    }
}
