using JasperFx.CommandLine;
using Platform.Audit.Checkpoints;

namespace Platform.Audit.Export;

public sealed class VerifyInput
{
    [Description("Path of an export made with GET /audit/export?format=ndjson")]
    public string ExportFile { get; set; } = "";

    [Description("Path of a checkpoint public key (SubjectPublicKeyInfo PEM, as GET /audit/checkpoint-keys publishes it); repeat the flag for several keys")]
    [FlagAlias("key", 'k')]
    public string[] KeyFlag { get; set; } = [];

    [Description("Accept a filtered export (one tenant or a time range): checks record hashes, links between consecutive records and checkpoint signatures")]
    [FlagAlias("partial", 'p')]
    public bool PartialFlag { get; set; }
}

/// <summary><c>dotnet run --project services/Audit -- verify export.ndjson --key checkpoint-key.pem</c>: no database needed.</summary>
[Description("Verifies an exported audit chain and its signed checkpoints offline", Name = "verify")]
public sealed class VerifyCommand : JasperFxAsyncCommand<VerifyInput>
{
    public override async Task<bool> Execute(VerifyInput input)
    {
        if (input.KeyFlag.Length == 0)
        {
            await Console.Error.WriteLineAsync("--key <public key PEM file> is required: without it checkpoint signatures prove nothing.").ConfigureAwait(false);
            return false;
        }

        var pems = new List<string>();
        foreach (var path in input.KeyFlag)
        {
            pems.Add(await File.ReadAllTextAsync(path).ConfigureAwait(false));
        }

        using var reader = new StreamReader(input.ExportFile);
        var report = await OfflineVerifier.VerifyAsync(reader, CheckpointKeyRing.FromPem([.. pems]), input.PartialFlag, CancellationToken.None).ConfigureAwait(false);
        if (report.Ok)
        {
            Console.WriteLine($"OK: {report.Checked} records verified{(report.Erased > 0 ? $", {report.Erased} erased by retention under signed erasures" : "")}; signed checkpoints cover the chain through seq {report.SignedThroughSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}.");
            return true;
        }

        Console.WriteLine($"BROKEN at seq {report.FirstBrokenSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} after {report.Checked} good records: {report.Reason}");
        return false;
    }
}
