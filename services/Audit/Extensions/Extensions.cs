using Marten;
using Platform.Audit.Chain;
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
            },
            wolverine =>
            {
                wolverine.ConsumeAuditQueue();
                wolverine.Discovery.IncludeType(typeof(AuditEventHandlers));
            });
    }
}
