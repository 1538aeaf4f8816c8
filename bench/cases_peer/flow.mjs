// The case flow of the benchmarks as BPMN 2.0: start -> user tasks accept, review, approve,
// conclude, deliver -> end. With submission (starting the instance) these are the same six human
// actions as a case's life on xiaoneng. Parsed once and shared by every instance, so the peer
// pays no XML parsing per instance.
import BpmnModdle from 'bpmn-moddle';

const kTasks = ['accept', 'review', 'approve', 'conclude', 'deliver'];

function Source() {
  const nodes = ['start', ...kTasks, 'end'];
  const tasks = kTasks.map((t) => `    <userTask id="${t}" name="${t}" />`).join('\n');
  const flows = nodes
    .slice(1)
    .map((to, i) => `    <sequenceFlow id="f${i}" sourceRef="${nodes[i]}" targetRef="${to}" />`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="case-flow"
  targetNamespace="http://bpmn.io/schema/bpmn">
  <process id="case" isExecutable="true">
    <startEvent id="start" />
${tasks}
    <endEvent id="end" />
${flows}
  </process>
</definitions>`;
}

export const source = Source();
export const userTasks = kTasks;

// The parsed model, shared by all instances (Engine option `moddleContext`).
export async function ParsedFlow() {
  return new BpmnModdle().fromXML(source);
}
