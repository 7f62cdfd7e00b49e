using k8s.Models;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// Every secret and every connection string lives in a Secret (never a ConfigMap or a plain env value), and every
/// value ships empty. A placeholder text would be a usable credential once published (the same admin key, service key
/// or database password in every deployment that forgot to replace it); an empty value fails safe instead: the services
/// refuse to start or refuse the calls it would authorize, and the datastores refuse to start (docs/deploy.md). What each
/// key needs is written above its Secret as a comment.
/// </summary>
internal static class Secrets
{
    public static IEnumerable<Document> All(DeploymentPlan plan) => plan.Secrets.Select(s => Of(s, plan.Profile.Version));

    public static Document Of(PlannedSecret secret, string version, IEnumerable<string>? notes = null) => new(
        new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = secret.Name, Labels = Labels.Of(secret.Owner, "secret", version) },
            Type = "Opaque",
            StringData = secret.Entries.ToDictionary(e => e.Key, _ => ""),
        },
        [
            $"Secret {secret.Name}: every value ships empty; the operator supplies each one (docs/deploy.md).",
            .. secret.Entries.Select(e => $"  {e.Key}: {e.Supply}"),
            .. notes ?? [],
        ]);
}
