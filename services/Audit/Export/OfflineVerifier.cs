using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Export;

/// <summary>Verifies an NDJSON export against trusted checkpoint keys, with no database.</summary>
public static class OfflineVerifier
{
    public static async Task<VerificationReport> VerifyAsync(TextReader export, CheckpointKeyRing keys, bool allowPartial, CancellationToken ct)
    {
        var first = await export.ReadLineAsync(ct).ConfigureAwait(false);
        if (first is null || Parse(first) is not NdjsonExport.Header header)
        {
            return new VerificationReport(false, 0, null, "the file does not start with an export header line");
        }

        if (!header.Complete && !allowPartial)
        {
            return new VerificationReport(false, 0, null, "the export is filtered (tenant or time range), so the chain cannot be checked end to end; pass --partial to check what it holds");
        }

        var verifier = new ChainVerifier(header.AnchorSeq, header.AnchorHash, keys, partial: !header.Complete);
        var lineNumber = 1;
        while (await export.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            object item;
            try
            {
                item = Parse(line);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException or KeyNotFoundException)
            {
                return new VerificationReport(false, verifier.Result().Checked, verifier.LastSeq + 1, $"line {lineNumber} is not a valid export line: {e.Message}");
            }

            verifier.Add(item);
            if (verifier.IsBroken)
            {
                break;
            }
        }

        return verifier.Result();
    }

    private static object Parse(string line) => NdjsonExport.ParseLine(line);
}
