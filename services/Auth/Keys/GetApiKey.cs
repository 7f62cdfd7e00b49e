using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Platform.Auth.Apis;
using Platform.Auth.Tenants;

namespace Platform.Auth.Keys;

public static class GetApiKeyEndpoint
{
    public static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> HandleAsync(string keyId, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<ApiKey>(keyId, ct) is { } key
            ? TypedResults.Ok(ApiKeyResponse.From(key))
            : AdminProblems.NotFound($"Key '{keyId}'");
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
