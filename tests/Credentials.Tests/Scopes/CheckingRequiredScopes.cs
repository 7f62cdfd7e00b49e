using Platform.Credentials.Scopes;

namespace Platform.Credentials.Tests.Scopes;

public sealed class CheckingRequiredScopes
{
    [Fact]
    public void A_granted_scope_satisfies_itself()
    {
        Assert.True(Scope.Satisfies([Scope.ToolsList, Scope.ToolsCall], Scope.ToolsCall));
    }

    [Fact]
    public void A_missing_scope_is_not_satisfied()
    {
        Assert.False(Scope.Satisfies([Scope.ToolsList, Scope.ToolsCall], Scope.AuditRead));
        Assert.False(Scope.Satisfies([], Scope.ToolsList));
    }

    [Theory]
    [InlineData(Scope.ToolsList)]
    [InlineData(Scope.ToolsCall)]
    [InlineData(Scope.AuditRead)]
    [InlineData(Scope.Admin)]
    public void Admin_satisfies_every_scope(string required)
    {
        Assert.True(Scope.Satisfies([Scope.Admin], required));
    }

    [Fact]
    public void Scope_comparison_ignores_a_case_insensitive_set()
    {
        var granted = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "TOOLS:CALL", "ADMIN" };

        Assert.False(Scope.Satisfies(granted, Scope.ToolsCall));
    }

    [Fact]
    public void The_read_role_cannot_call_tools()
    {
        var granted = Scope.ExpandRoles([Role.Read]).ToList();

        Assert.True(Scope.Satisfies(granted, Scope.ToolsList));
        Assert.False(Scope.Satisfies(granted, Scope.ToolsCall));
    }
}
