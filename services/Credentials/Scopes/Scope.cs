using System.Collections.Frozen;

namespace Platform.Credentials.Scopes;

public static class Scope
{
    public const string ToolsList = "tools:list";
    public const string ToolsCall = "tools:call";
    public const string AuditRead = "audit:read";
    public const string Admin = "admin";

    public static IReadOnlySet<string> All { get; } =
        FrozenSet.Create(StringComparer.Ordinal, ToolsList, ToolsCall, AuditRead, Admin);

    private static readonly FrozenDictionary<string, FrozenSet<string>> ScopesByRole =
        new Dictionary<string, FrozenSet<string>>(StringComparer.Ordinal)
        {
            [Role.Read] = FrozenSet.Create(StringComparer.Ordinal, ToolsList),
            [Role.Write] = FrozenSet.Create(StringComparer.Ordinal, ToolsList, ToolsCall),
            [Role.Debug] = FrozenSet.Create(StringComparer.Ordinal, ToolsList, ToolsCall, AuditRead),
            [Role.Admin] = FrozenSet.Create(StringComparer.Ordinal, ToolsList, ToolsCall, AuditRead, Admin),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnown(string? scope) => scope is not null && All.Contains(scope);

    /// <summary>
    /// The union of the roles' scopes. Unknown roles grant nothing, so a typo fails closed;
    /// reject them at the API edge with <see cref="Role.IsKnown"/> to tell the caller.
    /// </summary>
    public static IReadOnlySet<string> ExpandRoles(IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in roles)
        {
            if (role is not null && ScopesByRole.TryGetValue(role, out var granted))
            {
                scopes.UnionWith(granted);
            }
        }

        return scopes;
    }

    /// <summary>Whether <paramref name="granted"/> allows <paramref name="required"/>; <see cref="Admin"/> allows everything.</summary>
    public static bool Satisfies(IReadOnlyCollection<string> granted, string required)
    {
        ArgumentNullException.ThrowIfNull(granted);
        ArgumentNullException.ThrowIfNull(required);

        // Compare ordinally ourselves: the caller's set may carry a case-insensitive comparer.
        foreach (var scope in granted)
        {
            if (string.Equals(scope, Admin, StringComparison.Ordinal)
                || string.Equals(scope, required, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
