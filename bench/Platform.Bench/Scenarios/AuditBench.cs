extern alias AuditService;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using AuditService::Platform.Audit.Chain;
using AuditService::Platform.Audit.Checkpoints;
using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Bench.Measurement;
using Platform.Contracts;
using Platform.Contracts.ToolCalls;
using Platform.ServiceDefaults.Storage;
using Wolverine;
using Wolverine.Postgresql;

namespace Platform.Bench.Scenarios;

/// <summary>
/// Issue 6: Auth and Audit as real Release processes (Audit's verify and export need an admin key). A chain of
/// <see cref="SeededRecords"/> records with signed checkpoints is written straight into Audit's schema by
/// <see cref="AuditChainSeeder"/> (seeding through the append path would measure the append path); verify and export
/// then read it through the HTTP API. Append lag is measured on the real append path: events are queued on Audit's
/// PostgreSQL queue at ToolExecution's peak call rate, as ToolExecution's outbox would.
/// </summary>
public static class AuditBench
{
    public const string Scenario = "Audit chain (issue 6)";
    public const int SeededRecords = 100_000;

    /// <summary>ToolExecution's closed-loop maximum (MCP scenario median, docs/benchmarks.md) when that scenario did not run.</summary>
    private const double DefaultPeakCallRate = 437;

    /// <summary>
    /// "Hundreds to thousands" of events/s in the issue: the lag is also measured at this rate, above any peak this
    /// machine's ToolExecution reaches, to show the headroom of the group-committing writer.
    /// </summary>
    private const double HeadroomRate = 2_000;

    private static readonly TimeSpan LagPhase = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(Results results, BenchSettings settings)
    {
        Console.WriteLine("starting auth and audit (the AppHost on Aspire's test host, Release services)");
        await using var platform = await BenchPlatform.StartAsync(
            new Dictionary<string, string>
            {
                // The writer checkpoints on the seeded chain's cadence.
                ["Audit__Checkpoints__EveryRecords"] = AuditChainSeeder.EveryRecords.ToString(CultureInfo.InvariantCulture),
            },
            [BenchPlatform.Auth, BenchPlatform.Audit]).ConfigureAwait(false);
        var auditPid = platform.ProcessId(BenchPlatform.Audit);
        using var http = AuditClient(platform.Url(BenchPlatform.Audit), platform.AdminKey);

        Console.WriteLine($"seeding {SeededRecords:N0} audit records");
        using var seeder = await AuditChainSeeder.ConnectAsync(http, platform.Database).ConfigureAwait(false);
        var records = new List<AuditRecord>(SeededRecords);
        var checkpoints = new List<AuditCheckpoint>();
        await seeder.ExtendToAsync(SeededRecords, item =>
        {
            if (item is AuditRecord record) records.Add(record);
            else checkpoints.Add((AuditCheckpoint)item);
        }).ConfigureAwait(false);

        var peakRate = results.Find(PlatformBench.McpScenario, "closed-loop max throughput, 16 concurrent callers") is { } mcp
            ? Math.Round(Stats.Median(mcp.Subject)) : DefaultPeakCallRate;
        results.Notes[Scenario] =
            $"Auth and Audit as Release processes started by the AppHost on Aspire's test host (only these two, their own PostgreSQL). Verify and export: a chain of {SeededRecords:N0} "
            + $"tool-call records with a signed checkpoint every {AuditChainSeeder.EveryRecords:N0}, written straight into Audit's schema (binary COPY), "
            + "then `GET /audit/verify` (recomputes every hash, checks every link and checkpoint signature) and, right after it, "
            + "`GET /audit/export?format=ndjson` read to the end by the bench, both over loopback; both read the chain with plain "
            + "Npgsql from one repeatable-read snapshot in seq-range pages of 50,000, streamed row by row (after one verify and one "
            + "export that warm Audit up and are not counted; each run's chain is longer "
            + $"by the previous run's {(peakRate + HeadroomRate) * LagPhase.TotalSeconds:N0} lag events); memory is Audit's VmRSS "
            + "sampled every 20 ms during the export, minus its VmRSS just before. Append lag: tool-call events queued on "
            + $"Audit's PostgreSQL queue at {peakRate:N0} events/s (ToolExecution's closed-loop maximum in the MCP scenario) and then at {HeadroomRate:N0} events/s (headroom) "
            + $"for {LagPhase.TotalSeconds:0} s by a publisher-only Wolverine host, as ToolExecution's outbox sends them; Audit takes up to "
            + $"{PlatformQueues.AuditReceiveBatch:N0} per poll into its durable inbox, up to {PlatformQueues.AuditParallelism} handlers hand their "
            + "entries to the single chain writer, which appends all waiting entries in one transaction (group commit) before "
            + "their envelopes are acknowledged; lag = when the bench first saw the record in the chain (polled every 50 ms) "
            + "minus the event's time. Figures without a baseline: these are absolute targets from the issue.";

        // The first verify and export after start also JIT-compile their code paths; the first verify is reported on its
        // own row, and the runs measure the steady state, as the growth scenario does.
        Console.WriteLine("audit verify and export, warm-up");
        var (coldLength, coldSeconds) = await VerifyAsync(http).ConfigureAwait(false);
        results.AddSingle(Scenario, "first GET /audit/verify after start (not counted in the runs)", "records/s", coldLength / coldSeconds);
        await using (var export = await http.GetStreamAsync(new Uri("/audit/export?format=ndjson", UriKind.Relative)).ConfigureAwait(false))
        {
            await export.CopyToAsync(Stream.Null).ConfigureAwait(false);
        }

        for (var i = 1; i <= settings.Runs; i++)
        {
            Console.WriteLine($"audit verify and export, run {i}/{settings.Runs}");
            var (chainLength, verifySeconds) = await VerifyAsync(http).ConfigureAwait(false);
            results.AddSingle(Scenario, "GET /audit/verify", "records/s", chainLength / verifySeconds);
            MeasureInProcess(results, records, checkpoints, seeder.Keys);
            await MeasureExportAsync(results, http, auditPid, chainLength).ConfigureAwait(false);
            Console.WriteLine($"audit append lag at {peakRate:N0} events/s, run {i}/{settings.Runs}");
            await MeasureLagAsync(results, platform.Database, peakRate, i).ConfigureAwait(false);
            Console.WriteLine($"audit append lag at {HeadroomRate:N0} events/s, run {i}/{settings.Runs}");
            await MeasureLagAsync(results, platform.Database, HeadroomRate, i).ConfigureAwait(false);
        }

        Judge(results, peakRate);
    }

    /// <summary>An HTTP client for Audit's API with the platform admin key (verify is the operator's view).</summary>
    internal static HttpClient AuditClient(Uri audit, string adminKey)
    {
        var http = new HttpClient { BaseAddress = audit, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        return http;
    }

    /// <summary>
    /// The same chain through <see cref="ChainVerifier"/> and <see cref="AuditService::Platform.Audit.Export.NdjsonExport"/>
    /// in the bench process, with no database or HTTP: what the endpoints would reach if reading were free.
    /// </summary>
    private static void MeasureInProcess(Results results, List<AuditRecord> records, List<AuditCheckpoint> checkpoints, CheckpointKeyRing keys)
    {
        var clock = Stopwatch.StartNew();
        var verifier = new ChainVerifier(keys: keys);
        var next = 0;
        foreach (var record in records)
        {
            verifier.Add(record);
            if (next < checkpoints.Count && checkpoints[next].Seq == record.Seq)
            {
                verifier.Add(checkpoints[next++]);
            }
        }

        var verifySeconds = clock.Elapsed.TotalSeconds;
        if (!verifier.Result().Ok)
        {
            throw new InvalidOperationException("The seeded chain does not verify in process: " + verifier.Result().Reason);
        }

        clock.Restart();
        using (var sink = new MemoryStream())
        {
            foreach (var record in records)
            {
                AuditService::Platform.Audit.Export.NdjsonExport.WriteItem(sink, record);
                if (sink.Length > 64 * 1024)
                {
                    sink.SetLength(0);
                }
            }
        }

        var exportSeconds = clock.Elapsed.TotalSeconds;
        results.AddSingle(Scenario, "ChainVerifier in process, no database (hash + link + signatures)", "records/s", records.Count / verifySeconds);
        results.AddSingle(Scenario, "NDJSON serialization in process, no database", "records/s", records.Count / exportSeconds);
    }

    /// <summary>GET /audit/verify, which must pass: how many records it checked and how long it took.</summary>
    internal static async Task<(long Records, double Seconds)> VerifyAsync(HttpClient http)
    {
        var clock = Stopwatch.StartNew();
        using var report = JsonDocument.Parse(await http.GetStringAsync(new Uri("/audit/verify", UriKind.Relative)).ConfigureAwait(false));
        var seconds = clock.Elapsed.TotalSeconds;
        var root = report.RootElement;
        if (!root.GetProperty("ok").GetBoolean())
        {
            throw new InvalidOperationException("The seeded chain does not verify: " + root);
        }

        return (root.GetProperty("checked").GetInt64(), seconds);
    }

    private static async Task MeasureExportAsync(Results results, HttpClient http, int auditPid, long records)
    {
        var before = PlatformBench.VmRssKib(auditPid);
        using var sampling = new CancellationTokenSource();
        var peak = SamplePeakRssAsync(auditPid, sampling.Token);
        var clock = Stopwatch.StartNew();
        long lines = 0;
        long bytes = 0;
        using (var response = await http.GetAsync(new Uri("/audit/export?format=ndjson", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false))
        {
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                bytes += read;
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync().ConfigureAwait(false);
        var peakKib = await peak.ConfigureAwait(false);
        // Header and checkpoint lines are streamed too, but the target counts records (what verify just checked).
        if (lines <= records)
        {
            throw new InvalidOperationException($"The export had {lines} lines for {records} records.");
        }

        results.AddSingle(Scenario, "GET /audit/export?format=ndjson", "records/s", records / seconds);
        results.AddSingle(Scenario, "export size", "MiB", bytes / 1048576.0);
        results.AddSingle(Scenario, "Audit VmRSS growth during the export (peak minus before)", "MiB", Math.Max(0, peakKib - before) / 1024.0);
        results.AddSingle(Scenario, "Audit VmRSS before the export", "MiB", before / 1024.0);
    }

    private static async Task<long> SamplePeakRssAsync(int pid, CancellationToken stop)
    {
        long peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, PlatformBench.VmRssKib(pid));
            try
            {
                await Task.Delay(20, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return Math.Max(peak, PlatformBench.VmRssKib(pid));
    }

    private static async Task MeasureLagAsync(Results results, string database, double rate, int run)
    {
        var tenant = $"lag-{run}-{Guid.NewGuid():N}"[..20];
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddWolverine(ExtensionDiscovery.ManualOnly, o =>
        {
            o.ServiceName = "bench-audit-publisher";
            o.Discovery.DisableConventionalDiscovery();
            // It only sends, so there is no handler code to generate (and no runtime compiler here).
            o.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Static;
            o.UsePostgresqlPersistenceAndTransport(database, "bench_publisher", CritterStackExtensions.TransportSchema);
            // Buffered: the sending agent batches inserts into the queue table, so the bench's own outbox is not what
            // limits the offered rate (or exhausts PostgreSQL's connections).
            o.PublishMessage<ToolCallRecorded>().ToPostgresqlQueue(PlatformQueues.Audit).BufferedInMemory();
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        var bus = host.Services.GetRequiredService<IMessageBus>();

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync().ConfigureAwait(false);
        long lastSeq;
        await using (var head = new NpgsqlCommand($"select coalesce(max(seq), 0) from {ChainTable.Name}", connection))
        {
            lastSeq = (long)(await head.ExecuteScalarAsync().ConfigureAwait(false))!;
        }

        var total = (int)(rate * LagPhase.TotalSeconds);
        var lags = new List<double>(total);
        var sending = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            for (var sent = 0; sent < total;)
            {
                var due = (int)Math.Min(total, rate * clock.Elapsed.TotalSeconds);
                for (; sent < due; sent++)
                {
                    await bus.PublishAsync(new ToolCallRecorded(Guid.CreateVersion7(), Guid.CreateVersion7(), "echo", ToolCallOutcomes.Completed, null,
                        new string('a', 64), null, 1, new Actor(tenant, "key-lag", "127.0.0.1"), DateTimeOffset.UtcNow, null)).ConfigureAwait(false);
                }

                await Task.Delay(5).ConfigureAwait(false);
            }
        });

        var deadline = Stopwatch.StartNew();
        await using var poll = new NpgsqlCommand(
            $"select seq, at from {ChainTable.Name} where seq > @after and tenant_id = @tenant order by seq", connection);
        poll.Parameters.AddWithValue("tenant", tenant);
        var after = poll.Parameters.AddWithValue("after", lastSeq);
        while (lags.Count < total && deadline.Elapsed < LagPhase + TimeSpan.FromMinutes(3))
        {
            after.Value = lastSeq;
            await using (var reader = await poll.ExecuteReaderAsync().ConfigureAwait(false))
            {
                var seen = DateTimeOffset.UtcNow;
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    lastSeq = reader.GetInt64(0);
                    lags.Add((seen - reader.GetFieldValue<DateTimeOffset>(1)).TotalMilliseconds);
                }
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        await sending.ConfigureAwait(false);
        await host.StopAsync().ConfigureAwait(false);
        lags.Sort();
        results.AddSingle(Scenario, $"append lag p50 at {rate:N0} events/s", "ms", lags.Count == 0 ? double.NaN : lags[(int)Math.Ceiling(0.50 * lags.Count) - 1]);
        results.AddSingle(Scenario, $"append lag p99 at {rate:N0} events/s", "ms", lags.Count == 0 ? double.NaN : lags[(int)Math.Ceiling(0.99 * lags.Count) - 1]);
        results.AddSingle(Scenario, $"events appended within the phase plus 3 min, of {total:N0}", "events", lags.Count);
        results.AddSingle(Scenario, $"append throughput at {rate:N0} events/s offered (appended / time to the last one)", "records/s", lags.Count / Math.Max(deadline.Elapsed.TotalSeconds - 0.05, 0.001));
    }

    public static void Judge(Results results, double peakRate)
    {
        double? Median(string prefix) => results.Singles.FirstOrDefault(s => s.Scenario == Scenario && s.Name.StartsWith(prefix, StringComparison.Ordinal)) is { Values: { Count: > 0 } values }
            ? Stats.Median(values) : null;

        if (Median("GET /audit/verify") is { } verify)
        {
            results.Targets.Add(new("6", "verify ≥ 200,000 records/s", $"{verify:N0} records/s (over HTTP; the verifier alone in process: {Median("ChainVerifier in process"):N0} records/s)", verify >= 200_000));
        }

        if (Median("GET /audit/export") is { } export && Median("Audit VmRSS growth") is { } growth)
        {
            results.Targets.Add(new("6", "export ≥ 100,000 records/s with constant memory (RSS growth under 64 MiB counts as constant)", $"{export:N0} records/s; Audit RSS grew {growth:0.#} MiB while streaming {Median("export size"):0} MiB", export >= 100_000 && growth < 64));
        }

        var total = (int)(peakRate * LagPhase.TotalSeconds);
        if (Median($"append lag p99 at {peakRate:N0} ") is { } p99 && Median($"events appended within the phase plus 3 min, of {total:N0}") is { } appended)
        {
            var all = appended >= total;
            var headroom = Median($"append lag p99 at {HeadroomRate:N0} ") is { } high
                ? $"; at {HeadroomRate:N0} events/s p99 {high / 1000:0.00} s, {Median($"append throughput at {HeadroomRate:N0} "):N0} appends/s" : "";
            results.Targets.Add(new("6", $"appends keep up with ToolExecution's peak ({peakRate:N0} calls/s), no growing lag; report lag p99",
                $"p99 {p99 / 1000:0.00} s; {Median($"append throughput at {peakRate:N0} "):N0} appends/s{(all ? "" : ", backlog not drained in time")}{headroom}", p99 <= 1000 && all));
        }
    }
}
