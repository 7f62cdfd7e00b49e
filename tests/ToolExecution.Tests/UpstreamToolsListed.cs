using ModelContextProtocol.Client;
using Platform.Testing;

namespace Platform.ToolExecution.Tests;

/// <summary>An upstream's tools appear once its server has started and answered <c>tools/list</c>, a while after ToolExecution starts.</summary>
internal static class UpstreamToolsListed
{
    /// <summary>Waits up to 30 s until every one of <paramref name="names"/> is listed; returns the list that had them.</summary>
    public static async Task<IList<McpClientTool>> UntilListedAsync(this McpClient client, string what, params string[] names)
    {
        bool HasAll(IList<McpClientTool> tools) => names.All(name => tools.Any(t => t.Name == name));
        var listed = await Poll.ValueAsync(() => client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken).AsTask(), HasAll,
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50));
        Assert.True(HasAll(listed), $"{what} did not appear within 30 s");
        return listed;
    }
}
