using k8s.Models;

namespace Platform.Deploy.Kubernetes;

/// <summary>
/// The one definition of a locked-down pod and container, shared by the services and the optional datastores:
/// non-root, read-only root filesystem, no privilege escalation, no capabilities, seccomp RuntimeDefault.
/// </summary>
internal static class Hardening
{
    public static V1PodSecurityContext Pod(long user) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        FsGroup = user,
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };

    public static V1SecurityContext Container(long user) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = user,
        RunAsGroup = user,
        AllowPrivilegeEscalation = false,
        ReadOnlyRootFilesystem = true,
        Privileged = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
    };
}
