using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Auth.Tenants;
using Platform.Auth.Verification;

namespace Platform.Auth.Keys;

public static class GetApiKeyEndpoint
{
    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> HandleAsync(string keyId, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<ApiKey>(keyId, ct) is not { } key)
        {
            return AdminProblems.NotFound($"Key '{keyId}'");
        }

        var usage = await session.LoadAsync<KeyUsage>(keyId, ct);
        return TypedResults.Ok(ApiKeyResponse.From(key) with { LastUsedAt = usage?.LastUsedAt });
    }
}

public static class ListTenantKeysEndpoint
{
    public static async Task<Results<Ok<IReadOnlyList<ApiKeyResponse>>, ProblemHttpResult>> HandleAsync(string tenantId, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<Tenant>(tenantId, ct) is null)
        {
            return AdminProblems.NotFound($"Tenant '{tenantId}'");
        }

        var keys = await session.Query<ApiKey>().Where(k => k.TenantId == tenantId).OrderBy(k => k.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok<IReadOnlyList<ApiKeyResponse>>([.. keys.Select(ApiKeyResponse.From)]);
    }
}
