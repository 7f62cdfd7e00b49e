using Platform.AppHost.Model;

namespace Platform.AppHost.Publishing.Kubernetes;

/// <summary>The recommended <c>app.kubernetes.io/*</c> labels.</summary>
internal static class Labels
{
    public const string Name = "app.kubernetes.io/name";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Platform = "platform";

    /// <summary>Selectors are immutable on a Deployment, so they leave out anything that changes per release.</summary>
    public static Dictionary<string, string> Selector(string service) => new()
    {
        [Name] = service,
        [PartOf] = Platform,
    };

    public static Dictionary<string, string> Of(string service, string component) => new()
    {
        [Name] = service,
        ["app.kubernetes.io/instance"] = service == Platform ? Platform : $"{Platform}-{service}",
        ["app.kubernetes.io/version"] = PlatformModel.Version,
        ["app.kubernetes.io/component"] = component,
        [PartOf] = Platform,
        ["app.kubernetes.io/managed-by"] = "kustomize",
    };
}
