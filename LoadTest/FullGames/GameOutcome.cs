/// <summary>How a table's game ended: played through, failed on a request, or cut by the end of the run.</summary>
internal enum GameOutcome
{
    Completed,
    Failed,
    Cut,
}
