using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Platform.Contracts;
using Platform.Contracts.ToolCalls;
using Platform.Provisioning.Processes;
using Wolverine;
using Wolverine.Postgresql;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Audit is SIGKILLed while it works through a backlog of queued events, then started again by Aspire with the same
/// command line and environment: every event ends up in the chain exactly once, and the chain verifies.
/// </summary>
public sealed class AuditCrashTests(RunningPlatform platform) : IClassFixture<RunningPlatform>
{
    /// <summary>
    /// The issue's 10,000 events: Audit appends them in group commits of hundreds, so the backlog takes seconds even on
    /// the 2-core CI machine, and a kill at a quarter of it still lands mid-backlog. <c>AUDIT_CRASH_EVENTS</c> overrides.
    /// </summary>
    private static readonly int Events =
        int.TryParse(Environment.GetEnvironmentVariable("AUDIT_CRASH_EVENTS"), CultureInfo.InvariantCulture, out var events) && events >= 100 ? events : 10_000;

    [Fact]
    public async Task Audit_killed_while_consuming_a_backlog_records_every_event_exactly_once_after_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var started = Stopwatch.StartNew();

        // The fixture's Audit goes first, so the events pile up as a backlog.
        await platform.KillAsync(RunningPlatform.Audit, ct);
        var tenant = "crash-" + Guid.NewGuid().ToString("N")[..8];
        var published = await PublishAsync(tenant, ct);

        // Aspire starts it again with the same command line, environment and port; it is killed a quarter of the way in.
        var first = await platform.RestartAsync(RunningPlatform.Audit, ct);
        await UntilAsync(async () => await CountAsync(tenant, ct) >= Events / 4, TimeSpan.FromSeconds(90), "the restarted Audit did not get through a quarter of the backlog", first, ct);
        await platform.KillAsync(RunningPlatform.Audit, ct);
        var atKill = await CountAsync(tenant, ct);

        Assert.InRange(atKill, 1, Events - 1);

        var second = await platform.RestartAsync(RunningPlatform.Audit, ct);
        await UntilAsync(async () => await CountAsync(tenant, ct) >= Events, TimeSpan.FromSeconds(60 + Events / 50), "not every event reached the chain", second, ct);

        await using (var connection = new NpgsqlConnection(platform.PostgresConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var query = new NpgsqlCommand(
                "select event_id::text from audit.chain_records where tenant_id = @tenant", connection);
            query.Parameters.AddWithValue("tenant", tenant);
            var recorded = new List<Guid>();
            await using var reader = await query.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                recorded.Add(Guid.Parse(reader.GetString(0)));
            }

            Assert.Equal(Events, recorded.Count);
            Assert.Equal(published.Order(), recorded.Order());
        }

        using var audit = platform.Client(RunningPlatform.Audit, platform.AdminKey);
        var report = await audit.GetFromJsonAsync<JsonElement>("/audit/verify", ct);
        Assert.True(report.GetProperty("ok").GetBoolean(), report.ToString());
        Assert.True(report.GetProperty("checked").GetInt64() >= Events);
        TestContext.Current.SendDiagnosticMessage($"{Events} events, killed at {atKill} appended, all recorded once after {started.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Queues tool-call events on Audit's PostgreSQL queue exactly as ToolExecution does (same transport, same
    /// message identity), from a publisher-only Wolverine host in the test process.
    /// </summary>
    private async Task<List<Guid>> PublishAsync(string tenant, CancellationToken ct)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddWolverine(ExtensionDiscovery.ManualOnly, options =>
        {
            options.ServiceName = "audit-crash-publisher";
            options.Discovery.DisableConventionalDiscovery();
            // It only sends, so there is no handler code to generate (and no runtime compiler here).
            options.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Static;
            options.UsePostgresqlPersistenceAndTransport(platform.PostgresConnectionString, "crash_publisher", Platform.ServiceDefaults.Storage.CritterStackExtensions.TransportSchema);
            options.PublishMessage<ToolCallRecorded>().ToPostgresqlQueue(Platform.ServiceDefaults.Storage.PlatformQueues.Audit);
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        var bus = host.Services.GetRequiredService<IMessageBus>();
        var ids = new List<Guid>(Events);
        for (var batch = 0; batch < Events; batch += 100)
        {
            var calls = Enumerable.Range(batch, Math.Min(100, Events - batch)).Select(i => new ToolCallRecorded(
                Guid.CreateVersion7(), Guid.CreateVersion7(), "echo", ToolCallOutcomes.Completed, null, new string('a', 64), null, 1,
                new Actor(tenant, "k-crash", "127.0.0.1"), DateTimeOffset.UtcNow, null)).ToList();
            ids.AddRange(calls.Select(c => c.EventId));
            await Task.WhenAll(calls.Select(c => bus.PublishAsync(c).AsTask()));
        }

        // Sending is asynchronous; the backlog is complete once every event sits in the queue table.
        await using (var connection = new NpgsqlConnection(platform.PostgresConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var queued = new NpgsqlCommand(
                $"select count(*) from {Platform.ServiceDefaults.Storage.CritterStackExtensions.TransportSchema}.wolverine_queue_{Platform.ServiceDefaults.Storage.PlatformQueues.Audit}", connection);
            await Poll.UntilAsync(async () => (long)(await queued.ExecuteScalarAsync(ct))! >= Events, TimeSpan.FromSeconds(60),
                "every event reaches Audit's queue");
        }

        await host.StopAsync(ct);
        return ids;
    }

    private async Task<long> CountAsync(string tenant, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(platform.PostgresConnectionString);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand("select count(*) from audit.chain_records where tenant_id = @tenant", connection);
        count.Parameters.AddWithValue("tenant", tenant);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Waits for <paramref name="condition"/> while Audit's process <paramref name="pid"/> runs.</summary>
    private async Task UntilAsync(Func<Task<bool>> condition, TimeSpan limit, string what, int pid, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        var progress = new StringBuilder();
        var lastReport = TimeSpan.Zero;
        while (!await condition())
        {
            if (deadline.Elapsed - lastReport > TimeSpan.FromSeconds(3))
            {
                lastReport = deadline.Elapsed;
                progress.AppendLine(CultureInfo.InvariantCulture, $"{deadline.Elapsed.TotalSeconds:0.0} s: {await BacklogAsync(ct)}");
            }

            if (deadline.Elapsed >= limit || !PosixProcess.IsAlive(pid))
            {
                Assert.Fail($"{what} within {limit.TotalSeconds:0} s (Audit {(PosixProcess.IsAlive(pid) ? "runs" : "exited")}):\n{progress}\n{platform.RecentLogs(RunningPlatform.Audit)}");
            }

            await Task.Delay(200, ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"reached after {deadline.Elapsed.TotalSeconds:0.0} s:\n{progress}");
    }

    /// <summary>Where the events are: appended, still queued, or in Audit's inbox (by owner node and status).</summary>
    private async Task<string> BacklogAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(platform.PostgresConnectionString);
        await connection.OpenAsync(ct);
        await using var query = new NpgsqlCommand($"""
            select (select count(*) from audit.chain_records)
                 || ' appended, ' || (select count(*) from {Platform.ServiceDefaults.Storage.CritterStackExtensions.TransportSchema}.wolverine_queue_{Platform.ServiceDefaults.Storage.PlatformQueues.Audit})
                 || ' queued, inbox: ' || coalesce((select string_agg(owner_id || '/' || status || '=' || n, ' ') from
                      (select owner_id, status, count(*) n from audit.wolverine_incoming_envelopes group by 1, 2) i), 'empty')
            """, connection);
        return (string)(await query.ExecuteScalarAsync(ct))!;
    }
}
