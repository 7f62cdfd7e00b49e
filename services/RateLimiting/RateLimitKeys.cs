namespace Platform.RateLimiting;

/// <summary>
/// The one place that names rate-limit keys. Every key of a tenant carries the hash tag <c>{t:&lt;tenantId&gt;}</c>,
/// so all keys one request touches hash to the same Redis Cluster slot and one script may use them together.
/// </summary>
public static class RateLimitKeys
{
    public const string Prefix = "rl:";

    public static string Key(string tenantId, string keyId) => $"{Gcra(tenantId)}key:{keyId}";

    public static string Tenant(string tenantId) => $"{Gcra(tenantId)}tenant";

    public static string KeyTool(string tenantId, string keyId, string tool) => $"{Gcra(tenantId)}key:{keyId}:tool:{tool}";

    public static string Concurrency(string tenantId, string keyId) => $"rl:conc:{TenantTag(tenantId)}:key:{keyId}";

    /// <summary>Failed authentication is counted per client IP before any tenant is known, so it has its own tag.</summary>
    public static string AuthFailures(string clientIp) => $"rl:gcra:{{ip:{clientIp}}}:auth-failures";

    private static string Gcra(string tenantId) => $"rl:gcra:{TenantTag(tenantId)}:";

    private static string TenantTag(string tenantId)
    {
        // A brace inside the id would end the hash tag early and split one request's keys across slots.
        if (tenantId.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("A tenant id must not contain braces.", nameof(tenantId));
        }

        return $"{{t:{tenantId}}}";
    }
}
