/**
 * Prints one plain closing line, "jest: N passed, N failed[, N skipped]", that CI and
 * humans can read without parsing Jest's table.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suffix = skipped ? `, ${skipped} skipped` : "";
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed${suffix}\n`);
  }
}
module.exports = SummaryReporter;
