namespace Platform.AppHost.Model;

public static class PlatformModel
{
    public const string Postgres = "postgres";
    public const string Redis = "redis";
    public const string Auth = "auth";

    /// <summary>Auth is the only service that receives the bootstrap admin key.</summary>
    public const string BootstrapAdminKeyVariable = "Auth__BootstrapAdminKey";

    public static IReadOnlyList<ServiceResource> Services { get; } =
    [
        new(Auth, "services/Auth/Auth.csproj", External: true),
        new("tool-execution", "services/ToolExecution/ToolExecution.csproj", External: true),

        // Tenants read their own audit trail and webhooks are configured through it.
        new("audit", "services/Audit/Audit.csproj", External: true),
    ];
}
