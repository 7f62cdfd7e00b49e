namespace Platform.Deploy.Profile;

/// <summary>The platform's Kubernetes policy: the values the hand-written model had, for what the manifest cannot say.</summary>
public static class PlatformProfile
{
    public static DeploymentProfile Default { get; } = new()
    {
        Version = "0.1.0",
        ImageRepository = "platform",
        HttpPort = 8080,
        IngressNamespace = "ingress-nginx",
        MonitoringNamespace = "monitoring",
        Services = new Dictionary<string, ServiceProfile>(StringComparer.Ordinal)
        {
            ["auth"] = new()
            {
                // Key verification (/internal) and introspection are for the platform's own services only.
                PublicPaths =
                [
                    new("/oauth/token", Exact: true),
                    new("/.well-known/oauth-authorization-server", Exact: true),
                    new("/.well-known/jwks.json", Exact: true),
                    new("/admin", Exact: false),
                ],
            },
            ["tool-execution"] = new()
            {
                Resources = new("250m", "384Mi", "2", "1Gi"),
                Autoscaling = new(2, 10, 70),

                // Upstream MCP servers and http_fetch.
                CallsInternet = true,
                PublicPaths =
                [
                    new("/mcp", Exact: true),
                    new("/.well-known/oauth-protected-resource", Exact: false),
                ],
            },

            // Internal only: operators reach /audit through port-forwarding or an ingress of their own, so the chain is
            // not exposed by default. One replica: the chain has a single writer. Webhooks go to public URLs.
            ["audit"] = new()
            {
                Replicas = 1,
                Disruption = DisruptionBudget.MayMoveOne,
                CallsInternet = true,
            },
        },
        Datastores = new Dictionary<string, DatastoreProfile>(StringComparer.Ordinal)
        {
            // The Debian-based postgres image runs as postgres (999). PGDATA is a subdirectory of the claim, because a
            // fresh volume's root may hold lost+found and initdb refuses a non-empty folder; naming it also keeps a
            // newer major version from starting an empty cluster beside the old one.
            ["postgres-server"] = new()
            {
                RunAsUser = 999,
                DataPath = "/var/lib/postgresql",
                RunPath = "/var/run/postgresql",
                Storage = "20Gi",
                ReadinessCommand = ["pg_isready", "-h", "127.0.0.1", "-U", "postgres"],
                Environment = [new("PGDATA", "/var/lib/postgresql/data")],
                DatabaseVariable = "POSTGRES_DB",
            },

            // The Debian-based redis image runs as redis (999). Append-only persistence: rate-limit state survives a
            // restart instead of resetting every budget.
            ["redis"] = new()
            {
                RunAsUser = 999,
                DataPath = "/data",
                RunPath = "/var/run/redis",
                Storage = "2Gi",
                ServerArguments = ["--appendonly", "yes", "--dir", "/data"],
            },
        },
    };
}
