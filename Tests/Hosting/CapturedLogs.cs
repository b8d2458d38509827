using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// A logger provider that keeps every formatted message (with exceptions) in memory. Warnings and errors logged while a
/// request ran are also kept by the request's trace id, across every gateway of the run, so that an assertion on a 5xx
/// answer can say what the server logged about it (<see cref="WhatWasLoggedFor"/>): a CI log keeps only the failure.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    // Bounded: a run answers few 5xx, and a test reads its own at once.
    private const int TracesKept = 10_000;

    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> ByTrace = new(StringComparer.Ordinal);

    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    /// <summary>
    /// The warnings and errors logged while the request answered by this problem body ran (its <c>trace_id</c>), as
    /// lines to add to an assertion's message; empty when the body names no trace or nothing was logged.
    /// </summary>
    public static string WhatWasLoggedFor(string problemBody)
    {
        // "00-<trace id>-<span id>-<flags>", the W3C traceparent the problem's trace_id carries.
        var traceId = System.Text.RegularExpressions.Regex.Match(problemBody, "\"trace_id\":\"00-([0-9a-f]{32})-").Groups[1].Value;
        return traceId.Length > 0 && ByTrace.TryGetValue(traceId, out var lines)
            ? Environment.NewLine + "The server logged for this request:" + Environment.NewLine + string.Join(Environment.NewLine, lines)
            : string.Empty;
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)} {exception}";
            lines.Enqueue(line);
            if (logLevel >= LogLevel.Warning && Activity.Current is { } request && ByTrace.Count < TracesKept)
            {
                ByTrace.GetOrAdd(request.TraceId.ToHexString(), _ => new ConcurrentQueue<string>()).Enqueue(line);
            }
        }
    }
}
