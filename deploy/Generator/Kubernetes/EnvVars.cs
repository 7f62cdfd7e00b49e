using k8s.Models;
using Platform.Deploy.Planning;

namespace Platform.Deploy.Kubernetes;

internal static class EnvVars
{
    /// <summary>A plain value, or a <c>secretKeyRef</c>: a secret never sits in the spec.</summary>
    public static V1EnvVar Of(Setting setting) => setting.Secret is { } secret
        ? new V1EnvVar
        {
            Name = setting.Name,
            ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret.Secret, Key = secret.Key } },
        }
        : new V1EnvVar { Name = setting.Name, Value = setting.Value };
}
