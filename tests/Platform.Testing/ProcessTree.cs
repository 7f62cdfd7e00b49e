using System.Globalization;

namespace Platform.Testing;

/// <summary>Walks <c>/proc</c> to the process that does the work under a launcher such as <c>dotnet run</c>.</summary>
public static class ProcessTree
{
    /// <summary>The deepest first-born descendant of <paramref name="pid"/>, or <paramref name="pid"/> itself when it has no child.</summary>
    public static int Leaf(int pid)
    {
        for (var child = FirstChild(pid); child is { } next; child = FirstChild(next))
        {
            pid = next;
        }

        return pid;
    }

    /// <summary>The first-born child of <paramref name="pid"/> (of its main thread), if any.</summary>
    public static int? Child(int pid) => FirstChild(pid);

    private static int? FirstChild(int pid)
    {
        var children = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task/{pid.ToString(CultureInfo.InvariantCulture)}/children";
        try
        {
            var first = File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var child) ? child : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
