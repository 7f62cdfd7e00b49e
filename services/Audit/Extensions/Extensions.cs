using Marten;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;
using Platform.Audit.Webhooks;
using Platform.Sandbox.Network;
using Wolverine.ErrorHandling;
using Platform.Authentication;
using Platform.ServiceDefaults.Storage;

namespace Platform.Audit.Extensions;

internal static class Extensions
{
    public const string Schema = "audit";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPlatformAuthentication();
        builder.AddRemoteCredentialVerification();

        builder.Services.AddOptions<CheckpointOptions>().BindConfiguration(CheckpointOptions.Section)
            .Validate(o => o.EveryRecords >= 1 && o.EverySeconds >= 1, "Audit:Checkpoints:EveryRecords and EverySeconds must be at least 1.")
            .ValidateOnStart();
        if (!builder.Environment.IsDevelopment())
        {
            // Outside Development the signing key must be managed like any other secret; a generated one kept in
            // the database would be as forgeable as the records it protects.
            builder.Services.AddOptions<CheckpointOptions>()
                .Validate(_ => builder.Configuration[CheckpointSigner.ConfigurationKey] is { Length: > 0 },
                    $"{CheckpointSigner.ConfigurationKey} (a PKCS#8 PEM ECDSA P-256 key) must be configured outside Development.")
                .ValidateOnStart();
        }

        builder.Services.AddSingleton<CheckpointSigner>();
        builder.Services.AddSingleton<ChainWriter>();
        // Registered before Wolverine, so it stops after Wolverine has drained the handlers waiting on it.
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChainWriter>());
        builder.Services.AddSingleton<AuditMetrics>();
        builder.Services.AddHostedService<CheckpointTimer>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.Days >= 1 && o.IntervalMinutes >= 1, "Audit:Retention:Days and IntervalMinutes must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RetentionJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionJob>());

        builder.Services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section)
            .Validate(o => o.MaxAttempts >= 1 && o.InitialRetryDelayMs >= 1 && o.TimeoutSeconds >= 1, "Audit:Webhooks settings must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(new FetcherSettings());
        builder.Services.AddSingleton<WebhookNetwork>();
        builder.Services.AddSingleton<IWebhookUrlGuard, WebhookUrlGuard>();
        builder.Services.AddSingleton<WebhookMetrics>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookMetrics>());
#pragma warning disable EXTEXP0001 // experimental API; the alternative is hidden retries under Wolverine's
        builder.Services.AddHttpClient(DeliverWebhookHandler.HttpClientName)
            // Resolve once, check, connect to the checked address (rebinding-proof); no redirects, which could lead
            // to an address nobody checked.
            .ConfigurePrimaryHttpMessageHandler(sp => PinnedConnector.CreateHandler(sp.GetRequiredService<WebhookNetwork>().Settings))
            // Retries belong to Wolverine, which spaces them out and dead-letters; no hidden extra attempts here.
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        var webhookRetryDelays = builder.Configuration.GetSection(WebhookOptions.Section).Get<WebhookOptions>()?.RetryDelays()
            ?? new WebhookOptions().RetryDelays();

        builder.AddCritterStack(Schema,
            marten =>
            {
                // Records are a plain typed table, not documents: verify and export read all of them (ChainTable).
                marten.Storage.ExtendedSchemaObjects.Add(ChainTable.Definition());
                // A second writer could only fork the chain by overwriting the head; optimistic concurrency
                // turns that into a retry instead.
                marten.Schema.For<ChainHead>().UseOptimisticConcurrency(true);
                marten.Schema.For<AuditCheckpoint>().Identity(c => c.Seq);
                marten.Schema.For<AuditErasure>().Identity(e => e.ToSeq);
                marten.Schema.For<ChainAnchor>();
                marten.Schema.For<StoredCheckpointSigningKey>();
                marten.Schema.For<WebhookEndpoint>().Index(w => w.TenantId);
                marten.Schema.For<TenantRetention>();
            },
            wolverine =>
            {
                wolverine.ConsumeAuditQueue();
                // Faster dead-node detection (AddCritterStack) moves the exclusive audit listener after a crash; a node
                // wrongly judged stale cannot fork the chain: the head's optimistic concurrency turns a second writer
                // into a retry.
                wolverine.Discovery.IncludeType(typeof(AuditEventHandlers));
                wolverine.Discovery.IncludeType(typeof(DeliverWebhookHandler));
                wolverine.OnException<WebhookDeliveryFailedException>().RetryWithCooldown(webhookRetryDelays)
                    .Then.MoveToErrorQueue()
                    .And((runtime, _, _) =>
                    {
                        // Counted where the policy gives up, so the metric and the dead-letter table cannot disagree.
                        runtime.Services.GetRequiredService<WebhookMetrics>().DeadLettered();
                        return ValueTask.CompletedTask;
                    }, "count the webhook dead letter");
            });
        // After the Critter Stack's schema setup (registered above), which creates the chain table it moves into.
        builder.Services.AddHostedService<LegacyRecordMigration>();
    }
}
