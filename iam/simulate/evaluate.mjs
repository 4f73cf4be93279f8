// Evaluates IAM requests with @cloud-copilot/iam-simulate: a JSON array of simulations on stdin, a JSON array
// of {decision, errors, denials, grants} on stdout, in the same order. Called by `python -m iam_check`.
import { getDenialReasons, getGrantReasons, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const results = []
for (const simulation of simulations) {
  const answer = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (answer.resultType === 'error' && answer.errors.message === 'no.resource.types' && simulation.request.action.startsWith('apigateway:')) {
    // API Gateway authorises the request's path, but the catalogue lists some paths as two ARNs in one entry and
    // some not at all (POST on /restapis/{id}/resources/{parent}): the policies are matched on the path regardless.
    results.push({ decision: runUnsafeSimulation(simulation, {}), denials: [], grants: [] })
    continue
  }
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
