using System.Diagnostics;
using Platform.Credentials.Tools;

namespace Platform.Credentials.Tests.Tools;

public sealed class MatchingToolPatterns
{
    [Theory]
    [InlineData("echo", "echo", true)]
    [InlineData("echo", "echo2", false)]
    [InlineData("echo", "ech", false)]
    [InlineData("echo", "Echo", false)]
    [InlineData("fs_*", "fs_read", true)]
    [InlineData("fs_*", "fs_", true)]
    [InlineData("fs_*", "fsread", false)]
    [InlineData("fs_*", "xfs_read", false)]
    [InlineData("everything.*", "everything.add", true)]
    [InlineData("everything.*", "everything.nested.tool", true)]
    [InlineData("everything.*", "everything", false)]
    [InlineData("everything.*", "everythingX.add", false)]
    [InlineData("*", "anything.at_all", true)]
    [InlineData("*.*", "server.tool", true)]
    [InlineData("*.*", "echo", false)]
    [InlineData("e?ho", "echo", true)]
    [InlineData("e?ho", "eho", false)]
    [InlineData("e?ho", "ecccho", false)]
    [InlineData("?", "a", true)]
    [InlineData("?", "ab", false)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "abcbc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("a*b*c", "abcb", false)]
    [InlineData("*_read", "fs_read", true)]
    [InlineData("*_read", "fs_read_all", false)]
    [InlineData("**", "echo", true)]
    [InlineData("fs_*_v?", "fs_read_v2", true)]
    [InlineData("fs_*_v?", "fs_read_v", false)]
    public void Patterns_match_tool_names_as_documented(string pattern, string toolName, bool expected)
    {
        Assert.Equal(expected, ToolPattern.Matches(pattern, toolName));
    }

    [Theory]
    [InlineData("")]
    [InlineData("fs read")]
    [InlineData("fs_[rw]*")]
    [InlineData("fs_{read,write}")]
    [InlineData("échos")]
    [InlineData("a\\*")]
    public void Invalid_patterns_are_reported_and_match_nothing(string pattern)
    {
        Assert.False(ToolPattern.IsValid(pattern));
        Assert.False(ToolPattern.Matches(pattern, pattern));
        Assert.False(ToolPattern.Matches(pattern, "fs read"));
    }

    [Fact]
    public void Patterns_up_to_128_characters_are_valid_and_longer_ones_are_not()
    {
        Assert.True(ToolPattern.IsValid(new string('a', 127) + "*"));
        Assert.False(ToolPattern.IsValid(new string('a', 128) + "*"));
        Assert.True(ToolPattern.IsValid("upstream-1/ns:tool_name.v2?*"));
    }

    [Fact]
    public void An_empty_tool_name_matches_nothing()
    {
        Assert.False(ToolPattern.Matches("*", string.Empty));
    }

    [Fact]
    public void Any_of_several_patterns_can_grant_a_tool()
    {
        string[] patterns = ["echo", "fs_*"];

        Assert.True(ToolPattern.AnyMatches(patterns, "fs_write"));
        Assert.True(ToolPattern.AnyMatches(patterns, "echo"));
        Assert.False(ToolPattern.AnyMatches(patterns, "http_fetch"));
        Assert.False(ToolPattern.AnyMatches([], "echo"));
    }

    [Fact]
    public void Pathological_patterns_finish_quickly()
    {
        // The shape that sends backtracking regex engines exponential.
        var pattern = string.Concat(Enumerable.Repeat("*a", 60)) + "*b";
        var toolName = new string('a', 100_000);

        var watch = Stopwatch.StartNew();
        var matched = ToolPattern.Matches(pattern, toolName);
        watch.Stop();

        Assert.False(matched);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
