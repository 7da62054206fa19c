/**
 * The rules form's model (admin-ui/rules-form/): node paths and the buttons' ops, a posted form
 * read back into the tree (fields typed by the fact's known type, what the form did not show
 * kept), the ops add / remove / move, the event's fields, the rules' order and moves, problem
 * paths mapped to the fields that show them, and rules in words.
 */
import { expect } from 'chai';
import type { i18n } from 'i18next';
import { createI18n } from '../api/i18n.ts';
import { readPostedEvent } from '../admin-ui/rules-form/event.ts';
import { classify, parseAt } from '../admin-ui/rules-form/model.ts';
import { applicationOrder, earlierSetters, moveRule } from '../admin-ui/rules-form/order.ts';
import { ruleFieldId, sharedFieldId } from '../admin-ui/rules-form/problem-fields.ts';
import { readPostedRule } from '../admin-ui/rules-form/rule.ts';
import { applyTreeOp, parseTreeOp } from '../admin-ui/rules-form/tree-ops.ts';
import { readPostedTree } from '../admin-ui/rules-form/tree-post.ts';
import { parseValue, valueEditable } from '../admin-ui/rules-form/values.ts';
import { conditionWords, eventWords } from '../admin-ui/rules-form/words.ts';
import { defaultRules } from './rules-fixtures.ts';

const leaf = (fact: string, path: string | undefined, operator: string, value?: unknown) => ({ fact, ...(path ? { path } : {}), operator, ...(value !== undefined ? { value } : {}) });

describe('rules form model: node paths and the buttons\' ops', () => {
  it('reads node paths and list paths, and refuses anything else', () => {
    expect(parseAt('')).to.deep.equal([]);
    expect(parseAt('all.1.any.0')).to.deep.equal(['all', 1, 'any', 0]);
    expect(parseAt('all.0.not')).to.deep.equal(['all', 0, 'not']);
    expect(parseAt('all.1.any')).to.equal(undefined);
    expect(parseAt('all.1.any', true)).to.deep.equal(['all', 1, 'any']);
    for (const bad of ['all.x', 'fact', 'all.1.value', '__proto__', 'all..1']) expect(parseAt(bad, true), bad).to.equal(undefined);
    expect(parseTreeOp('add-leaf:all.1.any')).to.deep.equal({ verb: 'add-leaf', at: ['all', 1, 'any'] });
    expect(parseTreeOp('remove:all.1.any.0')).to.deep.equal({ verb: 'remove', at: ['all', 1, 'any', 0] });
    for (const bad of ['save', 'add-leaf:all.1', 'remove:all', 'remove:', 'explode:all.0', 'add-leaf']) expect(parseTreeOp(bad), bad).to.equal(undefined);
  });

  it('classifies nodes: groups, fact tests, references, and shapes it cannot show', () => {
    expect(classify({ all: [] })).to.deep.equal({ kind: 'group', group: 'all' });
    expect(classify({ not: { any: [] } })).to.deep.equal({ kind: 'group', group: 'not' });
    expect(classify(leaf('ticket', '$.impact', 'equal', 'high')).kind).to.equal('leaf');
    expect(classify({ condition: 'major-outage' }).kind).to.equal('ref');
    for (const odd of ['text', null, [], { all: 5 }, { all: [], any: [] }, { fact: 5 }, { not: [] }, { condition: 1 }, {}]) {
      expect(classify(odd).kind, JSON.stringify(odd)).to.equal('opaque');
    }
  });

  it('adds a fact test or a group to any group, removes and moves nodes, and changes nothing for a place that is not there', () => {
    const tree = { all: [leaf('ticket', '$.category', 'equal', 'network'), { any: [leaf('requester', '$.vip', 'equal', true)] }] };
    expect(applyTreeOp(tree, parseTreeOp('add-leaf:all.1.any')!, [])).to.deep.equal(['all', 1, 'any', 1]);
    expect(tree.all[1]).to.deep.equal({ any: [leaf('requester', '$.vip', 'equal', true), { fact: 'ticket', path: '$.category', operator: 'equal' }] });
    expect(applyTreeOp(tree, parseTreeOp('add-not:all')!, [])).to.deep.equal(['all', 2]);
    expect(tree.all[2]).to.deep.equal({ not: { any: [{ fact: 'ticket', path: '$.category', operator: 'equal' }] } });
    expect(applyTreeOp(tree, parseTreeOp('add-any:all.2.not.any')!, [])).to.deep.equal(['all', 2, 'not', 'any', 1]);
    expect(applyTreeOp(tree, parseTreeOp('add-ref:all')!, ['major-outage'])).to.deep.equal(['all', 3]);
    expect(tree.all[3]).to.deep.equal({ condition: 'major-outage' });
    expect(applyTreeOp(tree, parseTreeOp('up:all.3')!, [])).to.deep.equal(['all', 2]);
    expect(tree.all[2]).to.deep.equal({ condition: 'major-outage' });
    expect(applyTreeOp(tree, parseTreeOp('remove:all.2')!, [])).to.deep.equal([]);
    expect(tree.all).to.have.length(3);
    const before = JSON.stringify(tree);
    for (const op of ['add-leaf:any', 'add-leaf:all.0.any', 'remove:all.7', 'up:all.0', 'down:all.2', 'add-ref:all', 'remove:all.1.all.0']) {
      expect(applyTreeOp(tree, parseTreeOp(op)!, []), op).to.equal(undefined);
    }
    expect(JSON.stringify(tree)).to.equal(before);
  });
});

describe('rules form model: a posted form read back', () => {
  it('types values by the fact: true/false for VIP, numbers for the hour, lists for list operators, text otherwise', () => {
    expect(parseValue('true', { fact: 'requester', path: '$.vip', operator: 'equal' })).to.equal(true);
    expect(parseValue('true', { fact: 'ticket', path: '$.title', operator: 'equal' })).to.equal('true');
    expect(parseValue(' 18 ', { fact: 'time', path: '$.hour', operator: 'greaterThan' })).to.equal(18);
    expect(parseValue('vpn, tunnel,', { fact: 'keywords', path: undefined, operator: 'containsAny' })).to.deep.equal(['vpn', 'tunnel']);
    expect(parseValue('8, 9', { fact: 'time', path: '$.hour', operator: 'not:in' })).to.deep.equal([8, 9]);
    expect(parseValue('a, b', { fact: 'ticket', path: '$.title', operator: 'textContains' })).to.equal('a, b');
    expect(valueEditable(['a,b', 'c'], { fact: 'keywords', path: undefined, operator: 'containsAny' })).to.equal(false);
    expect(valueEditable('9', { fact: 'time', path: '$.hour', operator: 'equal' })).to.equal(false);
    expect(valueEditable({ fact: 'matrix', path: '$.urgency' }, { fact: 'ticket', path: '$.urgency', operator: 'equal' })).to.equal(false);
  });

  it('applies each node\'s posted fields and keeps what the form did not show', () => {
    const tree = { all: [{ ...leaf('ticket', '$.impact', 'equal', 'high'), name: 'impact', weird: 1 }, { any: [leaf('keywords', undefined, 'containsAny', ['vpn'])], priority: 2 }, { condition: 'x' }, 'odd'] };
    const next = readPostedTree(tree, {
      'c:kind': 'any',
      'c.all.0:fact': 'requester', 'c.all.0:path': '$.impact', 'c.all.0:operator': 'equal', 'c.all.0:value': 'true',
      'c.all.1:kind': 'all', 'c.all.1.any.0:fact': 'keywords', 'c.all.1.any.0:path': '', 'c.all.1.any.0:operator': 'containsAll', 'c.all.1.any.0:value': 'vpn, tunnel',
      'c.all.2:condition': 'y',
    });
    // A fact whose properties do not include the old one gets its first property; the value follows the new fact's type.
    expect(next).to.deep.equal({ any: [
      { fact: 'requester', path: '$.email', operator: 'equal', value: 'true', name: 'impact', weird: 1 },
      { all: [leaf('keywords', undefined, 'containsAll', ['vpn', 'tunnel'])], priority: 2 },
      { condition: 'y' },
      'odd',
    ] });
    const vip = readPostedTree({ all: [leaf('requester', '$.vip', 'equal', true)] }, { 'c.all.0:fact': 'requester', 'c.all.0:path': '$.vip', 'c.all.0:operator': 'equal', 'c.all.0:value': 'false' });
    expect(vip).to.deep.equal({ all: [leaf('requester', '$.vip', 'equal', false)] });
    // No value yet and none typed: still none (the validator asks for one); typed: set.
    const blank = { all: [{ fact: 'ticket', path: '$.category', operator: 'equal' }] };
    expect(readPostedTree(blank, { 'c.all.0:value': '' })).to.deep.equal(blank);
    expect(readPostedTree(blank, { 'c.all.0:value': 'network' })).to.deep.equal({ all: [leaf('ticket', '$.category', 'equal', 'network')] });
  });

  it('reads the rule\'s name, priority and description, and keeps typed mistakes for the validator', () => {
    const rule = { name: 'A', priority: 5, conditions: { all: [] }, event: { type: 'add-tag', params: { tag: 'x' } } };
    expect(readPostedRule(rule, { 'rule:name': 'B', 'rule:priority': '', 'rule:description': 'Why\r\nit matters', 'ev:type': 'add-tag', 'ev:param:tag': 'y' }))
      .to.deep.equal({ name: 'B', conditions: { all: [] }, event: { type: 'add-tag', params: { tag: 'y' } }, description: 'Why\nit matters' });
    expect((readPostedRule(rule, { 'rule:priority': 'high' }) as { priority: unknown }).priority).to.equal('high');
    expect((readPostedRule(rule, { 'rule:priority': '15' }) as { priority: unknown }).priority).to.equal(15);
  });

  it('reads the event: a new type keeps the parameters both types have, a checkbox sets atLeast, roles keep their order', () => {
    const route = { type: 'route', params: { team: 'applications', tier: 'L2' } };
    expect(readPostedEvent(route, { 'ev:type': 'escalate', 'ev:param:team': 'applications', 'ev:param:tier': 'L3' })).to.deep.equal({ type: 'escalate', params: { tier: 'L3' } });
    expect(readPostedEvent(route, { 'ev:type': 'route', 'ev:param:team': 'engineering', 'ev:param:tier': '' })).to.deep.equal({ type: 'route', params: { team: 'engineering' } });
    const priority = { type: 'set-priority', params: { priority: 'P2' } };
    expect(readPostedEvent(priority, { 'ev:type': 'set-priority', 'ev:param:priority': 'P1', 'ev:param:atLeast': '1' })).to.deep.equal({ type: 'set-priority', params: { priority: 'P1', atLeast: true } });
    expect(readPostedEvent({ type: 'set-priority', params: { priority: 'P2', atLeast: false } }, { 'ev:type': 'set-priority', 'ev:param:priority': 'P2' }))
      .to.deep.equal({ type: 'set-priority', params: { priority: 'P2', atLeast: false } });
    const notify = { type: 'notify', params: { roles: ['team_lead', 'duty_manager'] } };
    expect(readPostedEvent(notify, { 'ev:type': 'notify', 'ev:param:roles': ['team_lead', 'duty_manager'], 'ev:roles-other': 'security, team_lead' }))
      .to.deep.equal({ type: 'notify', params: { roles: ['team_lead', 'duty_manager', 'security'] } });
    // A parameter the form did not show (an unknown one, a value of another type) is kept.
    expect(readPostedEvent({ type: 'set-priority', params: { priority: 5, colour: 'red' } }, { 'ev:type': 'set-priority', 'ev:param:atLeast': '1' }))
      .to.deep.equal({ type: 'set-priority', params: { priority: 5, colour: 'red', atLeast: true } });
  });
});

describe('rules form model: order, moves, problems beside fields, words', () => {
  let i18n: i18n;
  before(async () => {
    i18n = await createI18n();
  });

  it('orders rules as the evaluator applies them and moves a rule only among those of its priority', () => {
    const rules = defaultRules().rules as unknown[];
    expect(applicationOrder(rules)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    const shuffled = [rules[7], rules[4], rules[0], rules[2], rules[1]];
    expect(applicationOrder(shuffled)).to.deep.equal([2, 4, 3, 1, 0]);
    expect(moveRule(shuffled, 4, 'up')).to.equal(2);
    expect((shuffled[2] as { name: string }).name).to.equal('Major outage pages the duty manager');
    expect(moveRule(shuffled, 2, 'up')).to.equal(undefined);
    expect(moveRule(shuffled, 3, 'up')).to.equal(undefined);
    // Both route rules of priority 5: when both fire, the one applied first decides the team.
    expect(earlierSetters(rules).get(6)).to.deep.equal([4]);
  });

  it('maps validator and check paths to the field showing that node', () => {
    const rule = { name: 'x', conditions: { all: [leaf('ticket', '$.impact', 'equal', 'high'), { any: [leaf('ticket', '$.impact', 'in', ['hgih'])] }, { not: { condition: 'nope' } }, { all: 5 }] }, event: { type: 'route', params: { team: 'a', colour: 1 } } };
    const at = (path: string) => ruleFieldId(path, 3, rule);
    expect(at('$.rules[3].conditions.all[0].value')).to.equal('cond-all-0-value');
    expect(at('$.rules[3].conditions.all[1].any[0].value[0]')).to.equal('cond-all-1-any-0-value');
    expect(at('$.rules[3].conditions.all[1].any[0]')).to.equal('cond-all-1-any-0');
    expect(at('$.rules[3].conditions.all[2].not.condition')).to.equal('cond-all-2-not-condition');
    expect(at('$.rules[3].conditions.all[3].all')).to.equal('cond-all-3');
    expect(at('$.rules[3].conditions.all[0].weird')).to.equal('cond-all-0');
    expect(at('$.rules[3].conditions')).to.equal('cond');
    expect(at('$.rules[3].event.params.team')).to.equal('ev-param-team');
    expect(at('$.rules[3].event.params.colour')).to.equal('ev-extras');
    expect(at('$.rules[3].event.type')).to.equal('ev-type');
    expect(at('$.rules[3].priority')).to.equal('rule-priority');
    expect(at('$.rules[3]')).to.equal('rule');
    expect(at('$.rules[2].name')).to.equal(undefined);
    expect(sharedFieldId("$.conditions['major-outage'].all[1].fact", 'major-outage', { all: [{}, leaf('ticket', '$.impact', 'equal', 'high')] })).to.equal('cond-all-1-fact');
  });

  it('says conditions and events in words, in the viewer\'s language', () => {
    const en = i18n.getFixedT('en', 'admin-rules');
    const pl = i18n.getFixedT('pl', 'admin-rules');
    const c = { all: [leaf('ticket', '$.category', 'equal', 'network'), { any: [leaf('requester', '$.vip', 'equal', true), leaf('keywords', undefined, 'containsAny', ['vpn', 'tunnel'])] }] };
    expect(conditionWords(c, en)).to.equal('Ticket category equals "network" and (Requester VIP equals yes or Keywords contains any of "vpn", "tunnel")');
    expect(conditionWords(c, pl)).to.equal('Zgłoszenie – kategoria równa się „network” i (Zgłaszający – VIP równa się tak lub Słowa kluczowe zawiera którekolwiek z „vpn”, „tunnel”)');
    expect(conditionWords({ not: { condition: 'major-outage' } }, en)).to.equal('not (shared condition "major-outage")');
    expect(eventWords({ type: 'set-priority', params: { priority: 'P2', atLeast: true } }, en)).to.equal('raise the priority to at least P2');
    expect(eventWords({ type: 'route', params: { team: 'infrastructure' } }, pl, () => 'Infrastruktura')).to.equal('przekaż do zespołu Infrastruktura');
  });
});
