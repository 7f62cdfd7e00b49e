using JasperFx.Events;
using JasperFx.Events.Projections;
using Platform.Auth.Account;
using Platform.Auth.Keys;
using Platform.Auth.People;
using Platform.Auth.OAuth;
using Platform.Auth.Plans;
using Platform.Auth.Tenants;
using Platform.Auth.Verification;
using Platform.Credentials.ApiKeys;
using Platform.Authentication;
using Platform.RateLimiting;
using Platform.ServiceDefaults.Storage;
using StackExchange.Redis;

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
        builder.AddPeople();
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
                marten.Projections.Snapshot<Member>(SnapshotLifecycle.Inline);
                // The one enforcement of "one email per tenant": two admins inviting the same address at once both pass
                // the friendly check, and the second commit fails here.
                marten.Schema.For<Member>().UniqueIndex(m => m.EmailKey!).Index(m => m.Email).Index(m => m.TenantId!);
                marten.Schema.For<Invitation>().Index(i => i.PersonId);
                marten.Schema.For<PersonCredentials>();
                marten.Schema.For<DataProtectionKey>();
                marten.Schema.For<TokenEncryptionKey>();
                marten.Schema.For<Passkey>().Index(p => p.PersonId);
                marten.Schema.For<PasskeyCeremony>();
            },
            wolverine =>
            {
                wolverine.PublishIntegrationEventsToAudit();
                wolverine.Discovery.IncludeType(typeof(ExpireApiKeyHandler));
            });
    }

    /// <summary>Members, their sign-in pages and what those need: Redis-backed attempt limits, Argon2id, TOTP, Data Protection.</summary>
    private static void AddPeople(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<PeopleOptions>(builder.Configuration.GetSection(PeopleOptions.Section));
        builder.Services.Configure<PasswordOptions>(builder.Configuration.GetSection(PasswordOptions.Section));
        builder.Services.AddSingleton<PasswordHasher>();
        builder.Services.AddSingleton<TotpAuthenticator>();
        builder.AddRedis();
        builder.Services.AddSingleton(sp => new RedisRateLimiter(
            sp.GetRequiredService<IConnectionMultiplexer>(), new RedisRateLimiterOptions(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<SignInLimits>();
        builder.Services.AddSingleton<SignInAttemptFactory>();
        builder.Services.AddSingleton<PasskeyRelyingParty>();
        builder.AddSharedDataProtection();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "platform.antiforgery";
            options.FormFieldName = "__antiforgery";
            // Account pages send X-Frame-Options: DENY themselves; antiforgery's default would weaken it to SAMEORIGIN.
            options.SuppressXFrameOptionsHeader = true;
        });
        builder.AddPersonAuthentication();
    }
}
