using ModelContextProtocol.Protocol;

namespace Platform.ToolExecution.Conformance;

/// <summary>
/// The virtual server the official conformance suite (<c>@modelcontextprotocol/conformance</c>) tests against: its
/// <c>test_*</c> tools, <c>test://</c> resources, <c>test_*</c> prompts, completion and resource subscriptions. They are
/// registered on the one MCP server, so they pass the same authentication, scope and tool-pattern checks, argument
/// validation, rate limits and event-sourced call record as every other tool.
/// </summary>
internal static class ConformanceServer
{
    public static IMcpServerBuilder WithConformanceFixtures(this IMcpServerBuilder server, IConfiguration configuration)
    {
        if (!(configuration.GetSection(ConformanceOptions.Section).Get<ConformanceOptions>()?.Enabled ?? false))
        {
            return server;
        }

        return server
            .WithTools<ConformanceTools>()
            .WithResources<ConformanceResources>()
            .WithPrompts<ConformancePrompts>()
            .WithCompleteHandler((request, _) => ValueTask.FromResult(Complete(request.Params)))
            // The fixtures never change, so a subscription has nothing to announce; accepting it is what the suite checks.
            .WithSubscribeToResourcesHandler((_, _) => ValueTask.FromResult(new EmptyResult()))
            .WithUnsubscribeFromResourcesHandler((_, _) => ValueTask.FromResult(new EmptyResult()));
    }

    private static readonly string[] Suggestions = ["paris", "park", "party", "test", "testing"];

    /// <summary>Completes any argument from a fixed word list by prefix, the smallest completion that still behaves like one.</summary>
    internal static CompleteResult Complete(CompleteRequestParams? request)
    {
        var prefix = request?.Argument.Value ?? "";
        string[] values = [.. Suggestions.Where(s => s.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))];
        return new CompleteResult { Completion = new Completion { Values = values, Total = values.Length, HasMore = false } };
    }
}
