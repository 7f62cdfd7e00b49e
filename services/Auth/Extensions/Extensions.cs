using JasperFx.Events;
using JasperFx.Events.Projections;
using Platform.Auth.Keys;
using Platform.Auth.OAuth;
using Platform.Auth.Plans;
using Platform.Auth.Tenants;
using Platform.Auth.Verification;
using Platform.Credentials.ApiKeys;
using Platform.Authentication;
using Platform.ServiceDefaults.Storage;

namespace Platform.Auth.Extensions;

internal static class Extensions
{
    public const string Schema = "auth";

    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<AuthOptions>(builder.Configuration.GetSection(AuthOptions.Section));
        builder.Services.AddSingleton<PlanCatalog>();
        builder.Services.AddSingleton(sp => new SecretHasher(Peppers.From(builder.Configuration, sp.GetRequiredService<ILogger<SecretHasher>>())));
        builder.Services.AddSingleton<ICredentialVerifier, LocalCredentialVerifier>();
        builder.Services.AddSingleton<KeyUsageRecorder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyUsageRecorder>());
        builder.Services.AddSingleton<AuthenticationFailureAggregator>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuthenticationFailureAggregator>());
        builder.Services.Configure<TokenOptions>(builder.Configuration.GetSection(TokenOptions.Section));
        builder.Services.AddSingleton<SigningKeyRing>();
        builder.AddOAuthServer();
        builder.Services.AddClientRegistrationRateLimit();
        builder.AddPlatformAuthentication();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Platform Auth";
            document.Info.Description = "Tenants, API keys and OAuth 2.1 tokens. Admin routes need an admin-scoped bearer key.";
            return Task.CompletedTask;
        }));

        builder.AddCritterStack(Schema,
            marten =>
            {
                marten.Events.StreamIdentity = StreamIdentity.AsString;
                marten.Projections.Snapshot<Tenant>(SnapshotLifecycle.Inline);
                marten.Projections.Snapshot<ApiKey>(SnapshotLifecycle.Inline);
                marten.Schema.For<ApiKey>().Index(k => k.TenantId);
                marten.Projections.Add<TenantKeySummaryProjection>(ProjectionLifecycle.Async);
                marten.Schema.For<TokenEncryptionKey>();
            },
            wolverine =>
            {
                wolverine.PublishIntegrationEventsToAudit();
                wolverine.Discovery.IncludeType(typeof(ExpireApiKeyHandler));
            });
    }
}
