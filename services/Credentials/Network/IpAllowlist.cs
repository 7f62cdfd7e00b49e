using System.Net;

namespace Platform.Credentials.Network;

public static class IpAllowlist
{
    /// <summary>Whether the client may use the key; an empty allowlist means the key has no IP restriction.</summary>
    public static bool Allows(IReadOnlyList<CidrRange> allowlist, IPAddress client)
    {
        ArgumentNullException.ThrowIfNull(allowlist);
        ArgumentNullException.ThrowIfNull(client);
        if (allowlist.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < allowlist.Count; i++)
        {
            if (allowlist[i].Contains(client))
            {
                return true;
            }
        }

        return false;
    }
}
