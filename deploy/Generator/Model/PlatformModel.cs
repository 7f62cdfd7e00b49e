namespace Platform.AppHost.Model;

public static class PlatformModel
{
    /// <summary>The connection name services read (<c>ConnectionStrings__postgres</c>): the platform database.</summary>
    public const string Postgres = "postgres";
    public const string Redis = "redis";
    public const string Auth = "auth";
    public const string ToolExecution = "tool-execution";
    public const string Audit = "audit";

    /// <summary>The PostgreSQL server; <see cref="Postgres"/> is the database on it, as Aspire's <c>AddDatabase</c> models it.</summary>
    public const string PostgresServer = "postgres-server";
    public const string DatabaseName = "platform";

    public const string AdminKeyParameter = "admin-key";
    public const string PepperParameter = "pepper";
    public const string PostgresPasswordParameter = "postgres-password";
    public const string RedisPasswordParameter = "redis-password";
    public const string ServiceKeyParameter = "service-key";

    /// <summary>Every service gets the service key: Auth checks it on its internal endpoints, the others present it.</summary>
    public const string ServiceKeyVariable = "Platform__ServiceKey";

    /// <summary>Auth is the only service that receives the bootstrap admin key.</summary>
    public const string BootstrapAdminKeyVariable = "Auth__BootstrapAdminKey";

    /// <summary>Image tag of every service; a deployment never uses <c>latest</c>, so rollbacks are exact.</summary>
    public const string Version = "0.1.0";

    /// <summary>The port every service listens on inside its container (ASP.NET Core's container default).</summary>
    public const int HttpPort = 8080;

    /// <summary>Published images must not depend on where they are pulled from, so no registry host appears here.</summary>
    public static string ImageOf(ServiceResource service) => $"platform/{service.Name}:{Version}";

    /// <summary>Non-secret settings of a deployed service: its own plus what every deployment needs.</summary>
    public static IEnumerable<KeyValuePair<string, string>> DeploymentSettings(ServiceResource service)
    {
        // Behind an ingress the peer is the ingress controller, so client IPs (allowlists, per-IP limits) must come
        // from X-Forwarded-For. Trusting the immediate peer is safe because the network policies admit only the
        // ingress namespace and platform pods.
        if (service.External)
        {
            yield return new("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true");
        }

        foreach (var setting in service.Settings)
        {
            yield return setting;
        }
    }

    public static IReadOnlyList<SecretParameter> Parameters { get; } =
    [
        new(AdminKeyParameter, 43, "Bootstrap admin key of auth: a root credential."),

        // 44 alphanumeric characters are valid base64 of 33 bytes, so a generated pepper meets auth's 32-byte minimum.
        new(PepperParameter, 44, "Key-hashing pepper v1 of auth (base64 of 32+ random bytes)."),
        new(PostgresPasswordParameter, 32, "Password of the PostgreSQL superuser."),
        new(RedisPasswordParameter, 32, "Password of Redis (requirepass)."),
        new(ServiceKeyParameter, 43, "Service key the platform's services present on auth's internal endpoints (the same value for every service)."),
    ];

    public static IReadOnlyList<BackingServer> BackingServers { get; } =
    [
        new(PostgresServer, "postgres:15.10-alpine", 5432,
            $"Host={{{PostgresServer}.bindings.tcp.host}};Port={{{PostgresServer}.bindings.tcp.port}};Username=postgres;Password={{{PostgresPasswordParameter}.value}}",
            [
                new("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256"),
                new("POSTGRES_INITDB_ARGS", "--auth-host=scram-sha-256 --auth-local=scram-sha-256"),
                new("POSTGRES_USER", "postgres"),
                new("POSTGRES_PASSWORD", $"{{{PostgresPasswordParameter}.value}}"),
                new("POSTGRES_DB", DatabaseName),
            ],
            // The message tables churn one insert and one delete per message; see docs/operations.md, "PostgreSQL settings".
            ["-c", "autovacuum_naptime=2s", "-c", "max_connections=300"]),
        new(Redis, "redis:7.4.2-alpine", 6379,
            $"{{{Redis}.bindings.tcp.host}}:{{{Redis}.bindings.tcp.port}},password={{{RedisPasswordParameter}.value}}",
            [],
            ["--requirepass", $"{{{RedisPasswordParameter}.value}}", "--save", "", "--appendonly", "no"]),
    ];

    public static IReadOnlyList<ServiceResource> Services { get; } =
    [
        new(Auth, "services/Auth/Auth.csproj", External: true)
        {
            Description = "Tenants, API keys, OAuth token endpoint, key verification.",
            Secrets =
            [
                new(BootstrapAdminKeyVariable, AdminKeyParameter),
                new("Auth__Peppers__v1", PepperParameter),
                new(ServiceKeyVariable, ServiceKeyParameter),
            ],
            Settings = [new("Auth__CurrentPepperVersion", "v1")],

            // Key verification (/internal) and introspection are for the platform's own services only.
            PublicPaths =
            [
                new("/oauth/token", Exact: true),
                new("/.well-known/oauth-authorization-server", Exact: true),
                new("/.well-known/jwks.json", Exact: true),
                new("/admin", Exact: false),
            ],
        },
        new(ToolExecution, "services/ToolExecution/ToolExecution.csproj", External: true)
        {
            Description = "The MCP endpoint and every tool run.",
            Resources = new("250m", "384Mi", "2", "1Gi"),
            Autoscaling = new(2, 10, 70),
            Calls = [Auth],
            CallsInternet = true,
            Secrets = [new(ServiceKeyVariable, ServiceKeyParameter)],
            PublicPaths =
            [
                new("/mcp", Exact: true),
                new("/.well-known/oauth-protected-resource", Exact: false),
            ],
        },

        // Internal only: operators reach /audit through port-forwarding or an ingress of their own, so the chain is
        // not exposed by default. One replica: the chain has a single writer.
        new(Audit, "services/Audit/Audit.csproj", External: false)
        {
            Description = "The audit chain, its query/export/verify API, webhooks.",
            Replicas = 1,

            // Its API takes the same API keys and access tokens as ToolExecution: keys are verified by Auth, tokens
            // against Auth's JWKS.
            Calls = [Auth],
            CallsInternet = true,
            Secrets = [new(ServiceKeyVariable, ServiceKeyParameter)],
        },
    ];
}
