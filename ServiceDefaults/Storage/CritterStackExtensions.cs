using System.Reflection;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events.Daemon;
using JasperFx.Resources;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;

namespace Platform.ServiceDefaults.Storage;

/// <summary>
/// The one place that wires Marten and Wolverine for a service: its own schema, the PostgreSQL transport,
/// the transactional outbox and inbox, and statically generated handler code.
/// </summary>
public static class CritterStackExtensions
{
    /// <summary>Schema of the PostgreSQL-backed queues, shared by all services like a broker's namespace.</summary>
    public const string TransportSchema = "wolverine_queues";

    /// <summary>Prepared statements kept per connection when a service opts in; its hot path needs about a dozen.</summary>
    public const int MaxAutoPreparedStatements = 64;

    public static IHostApplicationBuilder AddCritterStack(
        this IHostApplicationBuilder builder,
        string schema,
        Action<StoreOptions> configureMarten,
        Action<WolverineOptions> configureWolverine,
        bool autoPrepareStatements = false)
    {
        var connectionString = PostgresConnectionString(builder.Configuration);
        // Built by the container (not registered as an instance) so that it is disposed, with its pooled
        // connections, when the host stops.
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = schema };
            // A service that runs the same few statements per request (ToolExecution: append a call's stream, store and
            // move its outbox envelope) spends much of PostgreSQL's CPU parsing and planning them again on every
            // execution. Npgsql prepares the ones used repeatedly and keeps them across pooled-connection resets.
            // A connection string that sets Max Auto Prepare itself wins.
            if (autoPrepareStatements && dataSource.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                dataSource.ConnectionStringBuilder.MaxAutoPrepare = MaxAutoPreparedStatements;
            }

            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            "postgres", sp => new PostgresHealthCheck(sp.GetRequiredService<NpgsqlDataSource>()), HealthStatus.Unhealthy, [Extensions.ReadinessTag]));
        builder.Services.AddSingleton<DatabaseAvailability>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseAvailability>());

        builder.Services.CritterStackDefaults(defaults =>
        {
            // Handler code is generated with `dotnet run -- codegen write` and committed, so a start compiles nothing
            // (docs/decisions/0002-static-wolverine-codegen.md).
            defaults.Development.GeneratedCodeMode = TypeLoadMode.Static;
            defaults.Production.GeneratedCodeMode = TypeLoadMode.Static;
            defaults.Development.ResourceAutoCreate = AutoCreate.CreateOrUpdate;
            defaults.Production.ResourceAutoCreate = AutoCreate.CreateOrUpdate;
        });

        builder.Services.AddMarten(options =>
            {
                options.DatabaseSchemaName = schema;
                options.Events.DatabaseSchemaName = schema;
                configureMarten(options);
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .AddAsyncDaemon(DaemonMode.HotCold)
            .IntegrateWithWolverine(integration =>
            {
                integration.MessageStorageSchemaName = schema;
                integration.TransportSchemaName = TransportSchema;
            });

        builder.Services.AddWolverine(ExtensionDiscovery.ManualOnly, options =>
        {
            options.ServiceName = schema;
            // The service's own assembly holds its handlers and their pre-generated code; without this Wolverine
            // would look in ServiceDefaults (the caller) or, under a test host, the test runner.
            options.ApplicationAssembly = Assembly.Load(new AssemblyName(builder.Environment.ApplicationName));
            options.Policies.AutoApplyTransactions();
            // Every node's heartbeat (every few seconds) would otherwise be a trace of its own in the dashboard.
            options.Durability.NodeAssignmentHealthCheckTracingEnabled = false;
            options.Policies.UseDurableLocalQueues();
            options.Policies.UseDurableOutboxOnAllSendingEndpoints();
            options.Policies.UseDurableInboxOnAllListeners();
            // What a SIGKILLed node owned (its outbox envelopes, Audit's exclusive queue listener) is taken over only
            // once the node is judged stale. Wolverine's defaults left that for about a minute after a crash
            // (tests/EndToEnd.Tests/AuditCrashTests, ToolExecutionCrashTests); 10 s bounds the audit lag a crash adds.
            options.Durability.HealthCheckPollingTime = TimeSpan.FromSeconds(2);
            options.Durability.StaleNodeTimeout = TimeSpan.FromSeconds(10);
            // A message that fails only because PostgreSQL went away (a restart, a failover) would otherwise go straight
            // to the dead-letter table: for Audit, an answered call missing from the chain (found by the PostgreSQL
            // failure drill, bench/drills.sh). Retry it, quickly and then on a schedule; only what still fails after
            // several minutes is dead-lettered.
            options.OnException(DatabaseAvailability.IsUnavailableError)
                .RetryWithCooldown(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3))
                .Then.ScheduleRetry(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
            configureWolverine(options);
        });
        builder.Services.AddResourceSetupOnStartup();
        return builder;
    }

    private static string PostgresConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString("postgres") is { Length: > 0 } value
            ? value
            // Code generation (`codegen write`) builds the host without touching a database.
            : "Host=unconfigured.invalid;Database=platform";
}
