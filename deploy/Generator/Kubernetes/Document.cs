namespace Platform.Deploy.Kubernetes;

/// <summary>One YAML document: a typed Kubernetes object, with comment lines above it.</summary>
internal sealed record Document(object Object, IReadOnlyList<string> Comments)
{
    public static Document Of(object value) => new(value, []);
}
