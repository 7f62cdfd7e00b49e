using Platform.Credentials.Scopes;

namespace Platform.Credentials.Tests.Scopes;

public sealed class MappingRolesToScopes
{
    [Theory]
    [InlineData("read", new[] { "tools:list" })]
    [InlineData("write", new[] { "tools:list", "tools:call" })]
    [InlineData("debug", new[] { "tools:list", "tools:call", "audit:read" })]
    [InlineData("admin", new[] { "tools:list", "tools:call", "audit:read", "admin" })]
    public void Each_role_expands_to_its_documented_scopes(string role, string[] expected)
    {
        Assert.Equal(expected.Order(StringComparer.Ordinal), Scope.ExpandRoles([role]).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Several_roles_expand_to_the_union_of_their_scopes()
    {
        var scopes = Scope.ExpandRoles([Role.Read, Role.Debug, Role.Read]);

        Assert.Equal(
            new[] { Scope.AuditRead, Scope.ToolsCall, Scope.ToolsList },
            scopes.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Admin")]
    [InlineData("owner")]
    [InlineData("")]
    [InlineData("tools:call")]
    public void Unknown_roles_grant_nothing(string role)
    {
        Assert.Empty(Scope.ExpandRoles([role]));
        Assert.False(Role.IsKnown(role));
    }

    [Theory]
    [InlineData("read")]
    [InlineData("write")]
    [InlineData("admin")]
    [InlineData("debug")]
    public void The_four_roles_are_known(string role)
    {
        Assert.True(Role.IsKnown(role));
    }

    [Theory]
    [InlineData("tools:list")]
    [InlineData("tools:call")]
    [InlineData("audit:read")]
    [InlineData("admin")]
    public void The_four_scopes_are_known(string scope)
    {
        Assert.True(Scope.IsKnown(scope));
    }

    [Fact]
    public void Scope_names_are_recognised_exactly()
    {
        Assert.False(Scope.IsKnown("tools:*"));
        Assert.False(Scope.IsKnown("TOOLS:LIST"));
        Assert.False(Scope.IsKnown(null));
    }
}
