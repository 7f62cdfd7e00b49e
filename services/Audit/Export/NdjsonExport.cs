using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;

namespace Platform.Audit.Export;

/// <summary>
/// The export file: one JSON object per line. The first line is the header
/// (<c>{"type":"export","complete":…,"anchorSeq":…,"anchorHash":…}</c>), then <c>"type":"record"</c> and
/// <c>"type":"checkpoint"</c> lines in seq order, with a <c>"type":"erasure"</c> line where retention erased records. docs/audit-chain.md specifies it; the offline verifier reads it.
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

    /// <summary>
    /// The whole export from one snapshot: the header, the anchor when there is one, then every item in seq order,
    /// written line by line into <paramref name="body"/> (a response's pipe) and flushed every 64 KiB, so any range is
    /// served with constant memory.
    /// </summary>
    public static async Task WriteChainAsync(PipeWriter body, ChainReader chain, ChainFilter? filter, CancellationToken ct)
    {
        var anchor = await chain.AnchorAsync(ct).ConfigureAwait(false);
        await using var json = CreateWriter(body);
        using (var header = new MemoryStream())
        {
            WriteHeader(header, new Header(filter is null, anchor?.Seq ?? 0, anchor?.Hash ?? AuditHasher.GenesisHash));
            body.Write(header.GetBuffer().AsSpan(0, (int)header.Length));
        }

        if (anchor is not null)
        {
            WriteItem(body, json, anchor);
        }

        long unflushed = 0;
        await foreach (var item in chain.ReadAsync(anchor?.Seq ?? 0, filter, ct).ConfigureAwait(false))
        {
            unflushed += WriteItem(body, json, item);
            if (unflushed >= 64 * 1024)
            {
                await body.FlushAsync(ct).ConfigureAwait(false);
                unflushed = 0;
            }
        }

        await body.FlushAsync(ct).ConfigureAwait(false);
    }

    public static void WriteItem(Stream stream, object item)
    {
        using var json = new Utf8JsonWriter(stream, WriterOptions);
        WriteObject(json, item);
        json.Flush();
        stream.WriteByte((byte)'\n');
    }

    /// <summary>A writer for <see cref="WriteItem(IBufferWriter{byte}, Utf8JsonWriter, object)"/>, reused for every line.</summary>
    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, WriterOptions);

    /// <summary>
    /// One line straight into <paramref name="output"/> (the response's pipe) through a reused writer: the export
    /// allocates no buffer per record.
    /// </summary>
    /// <returns>The bytes written.</returns>
    public static long WriteItem(IBufferWriter<byte> output, Utf8JsonWriter json, object item)
    {
        json.Reset(output);
        WriteObject(json, item);
        json.Flush();
        output.Write("\n"u8);
        return json.BytesCommitted + 1;
    }

    private static void WriteObject(Utf8JsonWriter json, object item)
    {
        json.WriteStartObject();
        switch (item)
        {
            case AuditRecord r:
                json.WriteString("type"u8, "record"u8);
                json.WriteNumber("seq"u8, r.Seq);
                WriteAt(json, r.At);
                json.WriteString("eventId"u8, r.EventId);
                json.WriteString("tenantId"u8, r.TenantId);
                json.WriteString("keyId"u8, r.KeyId);
                json.WriteString("clientIp"u8, r.ClientIp);
                // Only when set, like the canonical form: exports of chains without them read as they always did.
                if (r.PersonId is not null)
                {
                    json.WriteString("personId"u8, r.PersonId);
                }

                if (r.ClientId is not null)
                {
                    json.WriteString("clientId"u8, r.ClientId);
                }

                json.WriteString("action"u8, r.Action);
                json.WriteString("target"u8, r.Target);
                json.WriteString("outcome"u8, r.Outcome);
                json.WriteString("details"u8, r.Details);
                json.WriteString("traceId"u8, r.TraceId);
                json.WriteString("prevHash"u8, r.PrevHash);
                json.WriteString("hash"u8, r.Hash);
                break;
            case AuditCheckpoint c:
                json.WriteString("type"u8, "checkpoint"u8);
                json.WriteNumber("seq"u8, c.Seq);
                json.WriteString("hash"u8, c.Hash);
                WriteAt(json, c.At);
                json.WriteString("keyId"u8, c.KeyId);
                json.WriteString("signature"u8, c.Signature);
                break;
            case AuditErasure e:
                json.WriteString("type"u8, "erasure"u8);
                json.WriteNumber("fromSeq"u8, e.FromSeq);
                json.WriteNumber("toSeq"u8, e.ToSeq);
                json.WriteString("prevHash"u8, e.PrevHash);
                json.WriteString("hash"u8, e.Hash);
                WriteAt(json, e.At);
                json.WriteString("keyId"u8, e.KeyId);
                json.WriteString("signature"u8, e.Signature);
                break;
            default:
                throw new ArgumentException("Only records, erasures and checkpoints are exported.", nameof(item));
        }

        json.WriteEndObject();
    }

    /// <summary>The same text as <see cref="CheckpointSignature.FormatAt"/>, without a string per line.</summary>
    private static void WriteAt(Utf8JsonWriter json, DateTimeOffset at)
    {
        Span<char> text = stackalloc char[32];
        if (!at.UtcDateTime.TryFormat(text, out var length, CheckpointSignature.AtFormat, System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new FormatException("The time does not fit the export format.");
        }

        json.WriteString("at"u8, text[..length]);
    }

    /// <summary>Parses one line into a <see cref="Header"/>, <see cref="AuditRecord"/>, <see cref="AuditCheckpoint"/> or <see cref="AuditErasure"/>.</summary>
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
                R("action"), R("target"), R("outcome"), S("details"), S("traceId"), R("prevHash"), R("hash"), S("personId"), S("clientId")),
            "checkpoint" => new AuditCheckpoint(e.GetProperty("seq").GetInt64(), R("hash"), At(), R("keyId"), R("signature")),
            "erasure" => new AuditErasure(e.GetProperty("fromSeq").GetInt64(), e.GetProperty("toSeq").GetInt64(), R("prevHash"), R("hash"), At(),
                R("keyId"), R("signature")),
            var other => throw new FormatException($"Unknown line type '{other}'."),
        };
    }
}
