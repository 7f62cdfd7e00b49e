using System.Net;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Options;
using Platform.Auth.Keys;
using Platform.Auth.Plans;
using Platform.Auth.Tenants;
using Platform.Contracts.Auth;
using Platform.Credentials.ApiKeys;
using Platform.Credentials.Scopes;
using Platform.Authentication;

namespace Platform.Auth.Verification;

/// <summary>Auth's own verifier: reads the key and tenant snapshots from its store.</summary>
public sealed class LocalCredentialVerifier(
    IDocumentStore store,
    SecretHasher hasher,
    PlanCatalog plans,
    IOptionsMonitor<AuthOptions> options,
    KeyUsageRecorder usage,
    AuthenticationFailureAggregator failures,
    TimeProvider time) : ICredentialVerifier
{
    public const string BootstrapAdminKeyId = "bootstrap-admin";

    public async ValueTask<VerifyKeyResponse> VerifyAsync(string key, string? clientIp, CancellationToken cancellationToken)
    {
        if (IsBootstrapAdminKey(key))
        {
            return new VerifyKeyResponse(VerificationStatus.Valid, BootstrapAdminKeyId, null, [Scope.Admin], ["*"], null);
        }

        // Shape and checksum first: a malformed key never costs a database read.
        if (!ApiKeyFormat.TryParse(key, out var parsed))
        {
            failures.Failed(clientIp, VerificationStatus.Malformed);
            return new VerifyKeyResponse(VerificationStatus.Malformed);
        }

        await using var session = store.QuerySession();
        var apiKey = await session.LoadAsync<ApiKey>(parsed.KeyId, cancellationToken).ConfigureAwait(false);
        var tenant = apiKey is null ? null : await session.LoadAsync<Tenant>(apiKey.TenantId, cancellationToken).ConfigureAwait(false);
        _ = IPAddress.TryParse(clientIp, out var ip);

        var status = KeyVerificationDecider.Decide(parsed, apiKey, tenant, ip, time.GetUtcNow(), hasher);
        if (status != VerificationStatus.Valid)
        {
            failures.Failed(clientIp, status);
            return new VerifyKeyResponse(status);
        }

        usage.Used(apiKey!.Id);
        return new VerifyKeyResponse(status, apiKey!.Id, apiKey.TenantId, apiKey.Scopes, apiKey.ToolPatterns, plans.LimitsOf(tenant!.Plan),
            KeyVerificationDecider.ValidUntil(parsed, apiKey, hasher));
    }

    private bool IsBootstrapAdminKey(string presented)
    {
        var configured = options.CurrentValue.BootstrapAdminKey;
        if (string.IsNullOrEmpty(configured))
        {
            return false;
        }

        // Hash both sides so the comparison is constant-time regardless of length.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(configured)));
    }
}
