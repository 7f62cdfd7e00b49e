using Marten;
using Platform.Audit.Chain;
using Platform.Audit.Checkpoints;
using Platform.Audit.Retention;
using Platform.ServiceDefaults.Authentication;
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
        builder.Services.AddHostedService<CheckpointTimer>();
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section)
            .Validate(o => o.Days >= 1 && o.IntervalMinutes >= 1, "Audit:Retention:Days and IntervalMinutes must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<RetentionJob>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionJob>());

        builder.AddCritterStack(Schema,
            marten =>
            {
                marten.Schema.For<AuditRecord>()
                    .Identity(r => r.Seq)
                    .UniqueIndex(r => r.EventId)
                    .Index(r => r.TenantId)
                    .Index(r => r.At);
                // A second writer could only fork the chain by overwriting the head; optimistic concurrency
                // turns that into a retry instead.
                marten.Schema.For<ChainHead>().UseOptimisticConcurrency(true);
                marten.Schema.For<AuditCheckpoint>().Identity(c => c.Seq);
                marten.Schema.For<ChainAnchor>();
                marten.Schema.For<StoredCheckpointSigningKey>();
            },
            wolverine =>
            {
                wolverine.ConsumeAuditQueue();
                wolverine.Discovery.IncludeType(typeof(AuditEventHandlers));
            });
    }
}
