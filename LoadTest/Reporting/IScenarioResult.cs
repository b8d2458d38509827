namespace Dilemma.LoadTest.Reporting;

/// <summary>A finished run: written as JSON as it is, and described for a person by <see cref="Describe"/>.</summary>
public interface IScenarioResult
{
    RunHeader Run { get; }

    /// <summary>What a reader of the numbers must know: nothing succeeded, the request cap cut the run short, …</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>False when the run measured nothing worth reporting (no request succeeded); the tool then exits 1.</summary>
    bool MeasuredSomething { get; }

    /// <summary>False when the run failed a check of its own (or measured nothing); the tool then exits 1.</summary>
    bool Passed => MeasuredSomething;

    string Describe();
}
