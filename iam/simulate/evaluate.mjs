// Evaluates IAM requests with @cloud-copilot/iam-simulate: a JSON array of simulations on stdin, a JSON array
// of {decision, errors, denials, grants} on stdout, in the same order. Called by `python -m iam_check`.
import { getDenialReasons, getGrantReasons, runSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const results = []
for (const simulation of simulations) {
  const answer = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (answer.resultType === 'error') {
    results.push({ decision: 'Error', errors: answer.errors })
    continue
  }
  const analysis = answer.resultType === 'single' ? answer.result.analysis : answer.results[0]?.analysis
  results.push({
    decision: answer.overallResult,
    denials: analysis ? getDenialReasons(analysis) : [],
    grants: analysis ? getGrantReasons(analysis) : [],
  })
}
process.stdout.write(JSON.stringify(results))
