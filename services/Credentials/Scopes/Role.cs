namespace Platform.Credentials.Scopes;

/// <summary>Named bundles of scopes for people issuing keys; see <see cref="Scope.ExpandRoles"/>.</summary>
public static class Role
{
    public const string Read = "read";
    public const string Write = "write";
    public const string Admin = "admin";
    public const string Debug = "debug";

    public static bool IsKnown(string? role) => role is Read or Write or Admin or Debug;
}
