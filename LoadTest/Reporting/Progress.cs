namespace Dilemma.LoadTest.Reporting;

/// <summary>Progress goes to standard error, so that standard output holds only the summary.</summary>
public static class Progress
{
    public static Task WriteAsync(string message) =>
        Console.Error.WriteLineAsync($"[{DateTimeOffset.Now:HH:mm:ss}] {message}");
}
