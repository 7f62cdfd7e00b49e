namespace Platform.Deploy.Kubernetes;

/// <summary>The recommended <c>app.kubernetes.io/*</c> labels.</summary>
internal static class Labels
{
    public const string Name = "app.kubernetes.io/name";
    public const string PartOf = "app.kubernetes.io/part-of";
    public const string Platform = "platform";

    /// <summary>Selectors are immutable on a Deployment, so they leave out anything that changes per release.</summary>
    public static Dictionary<string, string> Selector(string owner) => new()
    {
        [Name] = owner,
        [PartOf] = Platform,
    };

    public static Dictionary<string, string> Of(string owner, string component, string version) => new()
    {
        [Name] = owner,
        ["app.kubernetes.io/instance"] = owner == Platform ? Platform : $"{Platform}-{owner}",
        ["app.kubernetes.io/version"] = version,
        ["app.kubernetes.io/component"] = component,
        [PartOf] = Platform,
        ["app.kubernetes.io/managed-by"] = "kustomize",
    };
}
